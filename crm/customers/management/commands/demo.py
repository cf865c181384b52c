"""crm demo --customers N --seed S: deterministic Chinese demo data, written through the services.

crm demo --scale S|M|L [--seed N] [--force] [--verify]: a large data set (10k / 100k / 1M
customers with contacts, record cards, to-dos and deals) drawn in bulk and loaded with
executemany / COPY, not through the per-row services; see crm.customers.scale and
docs/performance.md.

Teams, users of every role, customers with contacts and addresses, stage changes and
collaborators. Every write goes through the service layer (which authorises and audits it),
one customer at a time. Running it again reuses the demo teams and users and adds customers
under names that are still free.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Q

from crm.accounts import services as account_services
from crm.accounts.choices import Role
from crm.accounts.models import Team, User
from crm.contacts.models import Contact
from crm.core.actor import Actor
from crm.core.errors import Conflict, Duplicate
from crm.customers import demo_data, services
from crm.customers.choices import Kind, Stage
from crm.customers.models import Customer, Industry, Region, Source
from crm.customers.scale import load as scale_load
from crm.customers.scale import plan as scale_plan
from crm.customers.scale import report as scale_report
from crm.customers.scale import verify as scale_verify

DEFAULT_PASSWORD = "Demo-pass-2026"  # noqa: S105 - the published demo password
MIN_CUSTOMERS, MAX_CUSTOMERS = 1, 1_000_000
RENAME_ATTEMPTS = 20
PROGRESS_EVERY = 1000


class _Accounts:
    """Creates the roster's teams and users, or reuses them by team name and username."""

    def __init__(self, actor: Actor, password: str) -> None:
        self.actor = actor
        self.password = password
        self.teams_created = 0
        self.users_created = 0

    def ensure(self, roster: demo_data.Roster) -> dict[str, User]:
        teams = {spec.name: self._team(spec.name) for spec in roster.teams}
        users = {spec.username: self._user(spec, teams) for spec in roster.users}
        for name, team in teams.items():
            manager = roster.manager_of(name)
            if manager is not None and team.manager_id is None:
                account_services.update_team(self.actor, team, manager=users[manager.username])
        return users

    def _team(self, name: str) -> Team:
        team = Team.objects.filter(name=name).first()
        if team is None:
            team = account_services.create_team(self.actor, name=name)
            self.teams_created += 1
        return team

    def _user(self, spec: demo_data.UserSpec, teams: dict[str, Team]) -> User:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = account_services.create_user(
                self.actor, password=self.password, username=spec.username,
                full_name=spec.full_name, email=spec.email, mobile=spec.mobile,
                role=spec.role, team=teams.get(spec.team),
            )  # fmt: skip
            self.users_created += 1
        return user


class _Writer:
    """Writes one customer spec: create (renaming on a duplicate), stage steps, collaborator."""

    def __init__(self, actor: Actor, users: dict[str, User], seed: int) -> None:
        self.actor = actor
        self.users = users
        self.seed = seed
        self.industries = Industry.objects.in_bulk()
        self.regions = Region.objects.in_bulk()
        self.sources = {source.name: source for source in Source.objects.all()}
        self.stats: Counter[str] = Counter()

    def write(self, index: int, spec: demo_data.CustomerSpec) -> None:
        customer, spec = self._create(index, spec)
        if customer is None:
            self.stats["skipped"] += 1
            return
        self.stats[spec.kind] += 1
        self.stats["contacts"] += len(spec.contacts)
        for stage, reason in zip(spec.stages, spec.stage_reasons, strict=True):
            churn = spec.churn_reason if stage == Stage.LOST else ""
            customer = services.change_stage(
                self.actor, customer, stage=stage, reason=reason, churn_reason=churn
            )
        self.stats[customer.stage] += 1
        self._collaborate(customer, spec)

    def _create(
        self, index: int, spec: demo_data.CustomerSpec
    ) -> tuple[Customer | None, demo_data.CustomerSpec]:
        """Create the customer; a taken name gets a new one, at most RENAME_ATTEMPTS times."""
        for attempt in range(RENAME_ATTEMPTS):
            if not self._individual_name_taken(spec):
                try:
                    return services.create_customer(self.actor, **self._arguments(spec)), spec
                except Duplicate:
                    pass
            self.stats["renamed"] += int(attempt == 0)
            spec = demo_data.renamed(spec, random.Random(f"{self.seed}:{index}:{attempt}"))
        return None, spec

    @staticmethod
    def _individual_name_taken(spec: demo_data.CustomerSpec) -> bool:
        """The service allows namesakes among individuals; the demo avoids them anyway."""
        if spec.kind != Kind.INDIVIDUAL:
            return False
        return Customer.objects.filter(kind=Kind.INDIVIDUAL, name=spec.name).exists()

    def _arguments(self, spec: demo_data.CustomerSpec) -> dict[str, Any]:
        addresses = [{**a, "region": self.regions.get(a["region"])} for a in spec.addresses]
        return {
            **spec.profile,
            "name": spec.name, "kind": spec.kind, "uscc": spec.uscc,
            "industry": self.industries.get(spec.industry),
            "region": self.regions.get(spec.region),
            "source": self.sources.get(spec.source),
            "owner": self._owner(spec.owner), "tags": spec.tags,
            "contacts": spec.contacts, "addresses": addresses,
        }  # fmt: skip

    def _owner(self, username: str) -> User | None:
        """The planned owner, or the acting admin if that account cannot own customers."""
        user = self.users.get(username)
        if user is None or not user.is_active or user.role not in services.OWNER_ROLES:
            return self.actor.user
        return user

    def _collaborate(self, customer: Customer, spec: demo_data.CustomerSpec) -> None:
        user = self.users.get(spec.collaborator)
        if user is None or not user.is_active or user.pk == customer.owner_id:
            return
        services.add_collaborator(self.actor, customer, user=user, reason="协同跟进(演示数据)")
        self.stats["collaborators"] += 1


class Command(BaseCommand):
    help = "生成确定性的中文演示数据(团队、用户、客户、联系人),全部经由服务层写入并留痕"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=200, help="客户数量(默认 200)")
        parser.add_argument("--seed", type=int, default=1, help="随机种子;相同种子生成相同数据")
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"新建演示用户的密码(默认 {DEFAULT_PASSWORD})",
        )
        parser.add_argument("--quiet", action="store_true", help="不输出进度和汇总")
        parser.add_argument(
            "--scale",
            choices=list(scale_plan.SCALES),
            help="批量生成大规模数据:S=1万客户、M=10万、L=100万(XS=300,供测试)",
        )
        parser.add_argument("--force", action="store_true", help="库中已有客户时仍然追加(--scale)")
        parser.add_argument(
            "--verify", action="store_true", help="生成后抽样校验数据并打开页面(--scale)"
        )
        parser.add_argument(
            "--no-search-index",
            action="store_true",
            help="不建立搜索索引(--scale;之后须另行重建,否则两字以上的搜索找不到新客户)",
        )
        parser.add_argument(
            "--jobs", type=int, default=2, help="并行生成数据的进程数(--scale,0=不并行)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"]:
            self._scale(options)
            return
        count, seed, quiet = options["customers"], options["seed"], options["quiet"]
        if not MIN_CUSTOMERS <= count <= MAX_CUSTOMERS:
            raise CommandError(
                f"客户数量必须在 {MIN_CUSTOMERS} 到 {MAX_CUSTOMERS} 之间(收到 {count})"
            )
        try:
            actor = self._actor()
            roster = demo_data.build_roster(count)
            accounts = _Accounts(actor, options["password"])
            writer = _Writer(actor, accounts.ensure(roster), seed)
            for index, spec in enumerate(demo_data.generate_customers(count, seed, roster)):
                writer.write(index, spec)
                self._progress(index + 1, count, quiet)
        except ValidationError as exc:
            raise CommandError("演示数据写入失败:" + "; ".join(exc.messages)) from exc
        except (PermissionDenied, Conflict) as exc:
            raise CommandError(f"演示数据写入失败:{exc}") from exc
        self._refresh_statistics()
        if not quiet:
            self._summary(count, seed, accounts, writer, options["password"])

    def _scale(self, options: dict[str, Any]) -> None:
        size, seed, quiet = options["scale"], options["seed"], options["quiet"]
        existing = Customer.objects.count()
        if existing and not options["force"]:
            raise CommandError(
                f"数据库中已有 {existing} 个客户,--scale 只用于空库;"
                "确需在现有数据上追加,请加 --force"
            )
        actor = self._actor()
        total = scale_plan.SCALES[size]
        say = (lambda text: None) if quiet else self.stdout.write
        say(f"开始生成 {size} 规模数据:客户 {total} 个,种子 {seed}")
        users = scale_load.ensure_roster(options["password"])
        assert actor.user is not None
        context = scale_load.build_context(seed, total, actor.user, users)
        report = scale_load.load(
            context, options["jobs"], say, search=not options["no_search_index"]
        )
        say(scale_report.summary(size, seed, report))
        if options["verify"]:
            result = scale_verify.run(seed)
            self.stdout.write(scale_report.verification(result))
            if result.errors:
                raise CommandError(f"校验未通过:{len(result.errors)} 处错误")

    @staticmethod
    def _refresh_statistics() -> None:
        """After a bulk load the query planner's statistics are stale until autovacuum runs;
        refresh them now so the first searches plan well (ANALYZE on both databases)."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _actor(self) -> Actor:
        """An active administrator; on an empty installation, create the first one."""
        admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        admin = admins.order_by("pk").first()
        if admin is not None:
            return Actor(admin, "cli")
        if User.objects.exists():
            raise CommandError("系统已有用户,但没有在职的管理员;请先启用一名管理员再生成演示数据")
        password = secrets.token_urlsafe(18)
        admin = account_services.create_first_admin(
            Actor(None, "cli"), username="admin", password=password, full_name="系统管理员"
        )
        # Printed even with --quiet: this is the only time the password is shown.
        self.stdout.write(f"已创建管理员 admin,初始密码(仅显示这一次):{password}")
        return Actor(admin, "cli")

    def _progress(self, done: int, count: int, quiet: bool) -> None:
        if not quiet and count >= PROGRESS_EVERY and done % PROGRESS_EVERY == 0:
            self.stdout.write(f"已写入 {done}/{count} 个客户")

    def _summary(
        self, count: int, seed: int, accounts: _Accounts, writer: _Writer, password: str
    ) -> None:
        stats = writer.stats
        created = stats[Kind.ENTERPRISE] + stats[Kind.INDIVIDUAL]
        stages = "、".join(f"{label} {stats[value]}" for value, label in Stage.choices)
        lines = [
            f"演示数据已生成(客户 {count} 个,种子 {seed}):",
            f"  团队:新建 {accounts.teams_created} 个,系统共 {Team.objects.count()} 个",
            f"  用户:新建 {accounts.users_created} 个,系统共 {User.objects.count()} 个",
            f"  客户:新建 {created} 个(企业 {stats[Kind.ENTERPRISE]}、"
            f"个人 {stats[Kind.INDIVIDUAL]}),系统共 {Customer.objects.count()} 个",
            f"  联系人:新建 {stats['contacts']} 个,系统共 {Contact.objects.count()} 个",
            f"  阶段:{stages};协办人 {stats['collaborators']} 个",
            f"  演示用户密码:{password}(已存在的用户密码不变)",
        ]
        if stats["renamed"] or stats["skipped"]:
            lines.insert(-1, f"  重名改名 {stats['renamed']} 个,放弃 {stats['skipped']} 个")
        self.stdout.write("\n".join(lines))
