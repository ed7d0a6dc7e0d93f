# JupyterHub for the course "Erstes Neuronales Netz – in Rust" (installed by
# scripts/hub/install_hub.sh to /etc/erstes-netz/jupyterhub_config.py).
#
# Standard pieces only: PAM login with the server's UNIX accounts, one
# single-user server per account started as that user (LocalProcessSpawner),
# configurable-http-proxy, JupyterLab. The Rust kernel, the course and the
# shared compile cache are installed once for all (see install_hub.sh).
#
# Settings an admin may change through the environment of the hub process:
#   ERSTES_NETZ_HUB_URL    address students open (default http://:8000, all interfaces;
#                          put TLS in front, e.g. with a reverse proxy)
#   ERSTES_NETZ_HUB_STATE  folder for the hub's database and cookie secret
#   ERSTES_NETZ_PREFIX     where install_hub.sh installed (default /opt/erstes-netz)
import os

c = get_config()  # noqa: F821 (provided by JupyterHub)

prefix = os.environ.get("ERSTES_NETZ_PREFIX", "/opt/erstes-netz")
state = os.environ.get("ERSTES_NETZ_HUB_STATE", "/var/lib/erstes-netz-hub")
os.makedirs(state, mode=0o700, exist_ok=True)

c.JupyterHub.bind_url = os.environ.get("ERSTES_NETZ_HUB_URL", "http://:8000")
c.JupyterHub.hub_port = int(os.environ.get("ERSTES_NETZ_HUB_INTERN_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{state}/jupyterhub.pid"
c.ConfigurableHTTPProxy.command = [f"{prefix}/node/node_modules/.bin/configurable-http-proxy"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(os.environ.get('ERSTES_NETZ_PROXY_API_PORT', '8001'))}"
c.ConfigurableHTTPProxy.pid_file = f"{state}/proxy.pid"

# Who may log in: members of the two groups (install_hub.sh creates them).
# Instructors are the hub's admins as well.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {"erstes-netz-studierende", "erstes-netz-lehrende"}
c.PAMAuthenticator.admin_groups = {"erstes-netz-lehrende"}
c.PAMAuthenticator.open_sessions = False  # no PAM session per server (not needed, often fails)

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{prefix}/venv/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": f"{prefix}/venv/bin:{prefix}/rust/bin:/usr/local/bin:/usr/bin:/bin",
}
# The first cell of a notebook compiles for a few seconds; the server itself starts in
# about 5 s, under load (a whole class at 9:00) it can take longer.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
# Servers nobody uses for an hour stop (the hub's own culling needs jupyterhub-idle-culler;
# the single-user server can stop itself):
c.Spawner.args = ["--ServerApp.shutdown_no_activity_timeout=3600", "--MappingKernelManager.cull_idle_timeout=3600"]
