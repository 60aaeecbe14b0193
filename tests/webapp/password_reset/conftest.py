"""Password reset fixtures: the integrations tests' app (SMTP_URL at aiosmtpd) and worker."""

from tests.webapp.integrations.conftest import admin, app, smtp, wcfg  # noqa: F401
