"""One list of Python packages: environment.yml takes them from requirements.txt."""

import re

from conftest import ROOT


def test_environment_yml_uses_requirements_txt_only():
    env = (ROOT / "environment.yml").read_text()
    pip_section = env.split("- pip:", 1)[1]
    entries = [l.strip()[2:].strip() for l in pip_section.splitlines() if l.strip().startswith("- ")]
    assert entries == ["-r requirements.txt"]


def test_requirements_are_pinned():
    lines = [l.split("#")[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()]
    packages = [l for l in lines if l]
    assert packages and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", p) for p in packages), packages


def test_binder_post_build_installs_the_kernel():
    post = (ROOT / "postBuild").read_text()
    assert "scripts/install_kernel.sh" in post and "--warm" in post


def test_nbgrader_requirements_extend_the_course_list():
    lines = [l.split("#")[0].strip() for l in (ROOT / "requirements-nbgrader.txt").read_text().splitlines()]
    packages = [l for l in lines if l]
    assert packages[0] == "-r requirements.txt"
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", p) for p in packages[1:]), packages
