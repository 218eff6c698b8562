"""Word lists for names, domains and titles (data only)."""

from __future__ import annotations

ORG_NAME = "acme"

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Mara", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Victor", "Wen", "Xenia", "Yusuf", "Zoë", "Aarav", "Björn", "Chloé", "Diego",
    "Emeka", "Fatima", "Gabriel", "Hana", "Ivan", "Jürgen", "Keiko", "Lucía", "Mateo", "Nia",
    "Oskar", "Paulo", "Rahul", "Sofia", "Tomás", "Ulla", "Vera", "William", "Yara", "Zhang",
    "Amara", "Bilal", "Camille", "Dmitri", "Esther", "Finn", "Grace", "Hugo", "Isla", "Jamal",
    "Kenji", "Leila", "Marek", "Nadia", "Omar", "Pia", "Rania", "Samir", "Thea", "Ana",
)

LAST_NAMES = (
    "Müller", "Schmidt", "Nguyen", "Patel", "Kowalski", "García", "Okafor", "Tanaka", "Rossi",
    "Johansson", "Silva", "Kim", "Novak", "Haddad", "Sharma", "Ivanova", "Dubois", "Fischer",
    "Hansen", "Yilmaz", "Chen", "Wang", "Li", "Mensah", "O'Brien", "Larsen", "Costa", "Weber",
    "Becker", "Moreau", "Sato", "Iyer", "Reddy", "Lopez", "Walker", "Murphy", "Kaur", "Ali",
    "Bauer", "Fernandes", "Andersen", "Popescu", "Horvat", "Lindqvist", "Abebe", "Banerjee",
    "Schulz", "Wójcik", "Nakamura", "Santos", "Cohen", "Byrne", "Richter", "Petrov", "Zhou",
)

# (domain, tracker key): keys are unique, so Jira projects and Linear teams never collide.
DOMAINS = (
    ("payments", "PAY"), ("checkout", "CHK"), ("search", "SRCH"), ("identity", "IDN"),
    ("billing", "BIL"), ("catalog", "CAT"), ("notifications", "NTF"), ("onboarding", "ONB"),
    ("analytics", "ANL"), ("mobile", "MOB"), ("data", "DAT"), ("growth", "GRW"),
    ("messaging", "MSG"), ("pricing", "PRC"), ("inventory", "INV"), ("shipping", "SHP"),
    ("support", "SUP"), ("reporting", "REP"), ("gateway", "GW"), ("storage", "STO"),
    ("observability", "OBS"), ("ml", "ML"), ("recommendations", "REC"), ("ads", "ADS"),
    ("compliance", "CMP"), ("fraud", "FRD"), ("accounts", "ACC"), ("content", "CNT"),
    ("media", "MED"), ("maps", "MAP"), ("partners", "PTN"), ("loyalty", "LOY"),
    ("orders", "ORD"), ("ledger", "LDG"), ("scheduling", "SCH"), ("workflow", "WF"),
    ("integrations", "INT"), ("platform", "PLT"), ("edge", "EDG"), ("tooling", "TL"),
)

TOPICS = (
    "login flow", "rate limiter", "retry policy", "cache warmup", "invoice export",
    "webhook handler", "audit log", "feature flags", "pagination", "search index",
    "session timeout", "currency rounding", "error pages", "health checks", "email templates",
    "bulk import", "refund flow", "metrics endpoint", "api client", "config loader",
    "dark mode", "csv parser", "queue consumer", "schema migration", "token refresh",
    "order history", "address form", "price table", "image resize", "db pool",
    "tracing spans", "backoff jitter", "locale fallback", "upload limits", "sitemap",
)

VERBS = {
    "feat": ("add", "support", "introduce", "enable"),
    "fix": ("fix", "handle", "correct", "guard against bad"),
    "chore": ("bump", "update", "clean up", "tidy"),
    "refactor": ("refactor", "simplify", "extract", "restructure"),
    "docs": ("document", "explain", "update docs for", "describe"),
}

DEPENDENCIES = (
    "lodash", "axios", "requests", "urllib3", "jackson-databind", "react", "webpack",
    "pytest", "sqlalchemy", "express", "golang.org/x/net", "log4j-core", "numpy", "eslint",
)

INCIDENT_TITLES = (
    "High error rate on {svc}",
    "Latency p99 above SLO on {svc}",
    "5xx spike on {svc}",
    "{svc}: health check failing",
    "Elevated timeouts calling {svc}",
    "{svc} pods crash-looping",
)

WORK_TITLES = (
    "Customers cannot {v} {t}", "Improve {t}", "Spike: evaluate {t}", "{t} follow-ups",
    "Design review for {t}", "Migrate {t}", "Remove old {t}", "Flaky test around {t}",
)
