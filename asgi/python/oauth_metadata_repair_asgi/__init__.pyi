from typing import Any, Awaitable, Callable, Iterable, MutableMapping, Union

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__version__: str
DEFAULT_MAX_BODY_BYTES: int

class RepairMetadataMiddleware:
    app: ASGIApp
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = ...,
        rules: Iterable[str] = ...,
        prepend: bool = ...,
        paths: Iterable[str] = ...,
        repair_no_transform: bool = ...,
        skip_signed_metadata: bool = ...,
        iss: Union[bool, str] = ...,
    ) -> None: ...
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...
