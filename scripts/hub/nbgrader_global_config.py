# /etc/jupyter/nbgrader_config.py, written by scripts/hub/install_hub.sh: what every
# account on the hub needs to find the course. The instructor's own settings (code stub,
# time limit per cell) come from the course folder's nbgrader_config.py.
c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "erstes-netz"
# World-writable with the sticky bit (1777): students put submissions in, only the
# instructor collects; nbgrader relies on distinct UNIX accounts for who may read what.
c.Exchange.root = "@EXCHANGE@"
# nbgrader's protection of submissions: the inbound folder cannot be listed, and each
# submission lies in a folder whose name ends with 72 random bits (the default, stated
# here because the privacy of submissions rests on it).
c.ExchangeSubmit.add_random_string = True
