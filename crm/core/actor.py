"""Who is acting, and through which door. Every service takes an Actor first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crm.accounts.models import User

Source = Literal["web", "api", "cli", "import", "system"]
SOURCES: tuple[Source, ...] = ("web", "api", "cli", "import", "system")


@dataclass(frozen=True)
class Actor:
    user: User | None
    source: Source = "web"

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, source="system")
