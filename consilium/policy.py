"""The shape of every domain's policy: who may do what to an object, in the state it is in.

Each domain writes its rules once, in ``<app>/policy.py``, as one ``Policy`` with a rule per
action. A rule looks at the user and the object and returns ``None`` when the action is
allowed, or the ``DomainError`` it would raise: ``NotAllowed`` (403) when this user may never
do it, ``Conflict`` (409) when the object's state forbids it now. Then:

- actions call ``policy.check(user, obj, "close")`` (inside their transaction, on the locked
  row), which raises that error;
- pages and templates read ``policy.allowed(user, obj)``, the set of actions allowed, to show
  only the buttons that will work;
- the API returns the same set as ``allowed_actions``.

So a button is shown exactly when the action behind it would succeed, and a refusal says the
same thing on the page and in the API. No view or template decides a permission itself.

Why not the ``rules`` library: its predicates answer yes or no; we need the refusal itself
(403 or 409, and the sentence shown to the user), and one table per domain that tests can
walk (``policy.actions``). See docs/decisions/0001-one-policy-per-domain.md.
"""

from collections.abc import Callable

from consilium.errors import DomainError

Rule = Callable[..., DomainError | None]


class Policy:
    """The rules of one domain, one per action, each returning ``None`` or the refusal."""

    def __init__(self, domain: str):
        self.domain = domain
        self.rules: dict[str, Rule] = {}

    def rule(self, action: str):
        """Register the decorated function as the rule for ``action``."""

        def register(function: Rule) -> Rule:
            if action in self.rules:
                raise ValueError(f"{self.domain}: two rules for {action!r}")
            self.rules[action] = function
            return function

        return register

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self.rules)

    def refusal(self, user, obj, action: str, **context) -> DomainError | None:
        """The error ``action`` would raise for ``user`` on ``obj`` now, or ``None``."""
        try:
            rule = self.rules[action]
        except KeyError:
            raise ValueError(f"{self.domain} has no rule for {action!r}") from None
        return rule(user, obj, **context)

    def check(self, user, obj, action: str, **context) -> None:
        """Raise the refusal, if there is one; actions call this before they write."""
        refusal = self.refusal(user, obj, action, **context)
        if refusal is not None:
            raise refusal

    def may(self, user, obj, action: str, **context) -> bool:
        return self.refusal(user, obj, action, **context) is None

    def allowed(self, user, obj, **context) -> frozenset[str]:
        """Every action ``user`` may take on ``obj`` now: what pages show and the API lists."""
        return frozenset(
            action for action, rule in self.rules.items() if rule(user, obj, **context) is None
        )

    def checker(self, action: str, **context):
        """A ``check=`` for the access helpers (``check(obj, user)``): refuse before the read
        is recorded."""

        def check(obj, user) -> None:
            self.check(user, obj, action, **context)

        return check
