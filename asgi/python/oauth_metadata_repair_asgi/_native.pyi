from typing import Iterable, List, Optional, Tuple

Headers = Iterable[Tuple[bytes, bytes]]
HeaderList = List[Tuple[bytes, bytes]]

__version__: str
DEFAULT_MAX_BODY_BYTES: int

class Plan:
    @property
    def head(self) -> bool: ...

class Rules:
    def __init__(
        self,
        *,
        max_body_bytes: int = ...,
        rules: List[str] = ...,
        prepend: bool = ...,
        paths: List[str] = ...,
        repair_no_transform: bool = ...,
        skip_signed_metadata: bool = ...,
    ) -> None: ...
    @property
    def max_body_bytes(self) -> int: ...
    @property
    def etag_suffix(self) -> str: ...
    def is_discovery(self, method: str, path: bytes) -> bool: ...
    def plan_request(self, method: str, path: bytes, headers: Headers) -> Optional[Tuple[Plan, HeaderList]]: ...
    def check_response(self, plan: Plan, status: int, headers: Headers) -> Tuple[bool, HeaderList]: ...
    def repair(self, doc: bytes, headers: Headers) -> Optional[Tuple[bytes, HeaderList]]: ...

def drop_digests(headers: Headers) -> HeaderList: ...
