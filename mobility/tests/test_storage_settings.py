"""The file storage switch (``FILE_STORAGE``): local ``MEDIA_ROOT`` by default, an S3 bucket through django-storages
for several machines. No S3 service is reachable here: these tests check the ``STORAGES`` the settings build, and
that django-storages' backend accepts them when boto3 is installed (building it opens no connection)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
S3_VARIABLES = ("FILE_STORAGE", "AWS_")


def _settings(code: str, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", *S3_VARIABLES))}
    env.update({"DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "mobility.settings", **env_overrides})
    prelude = "import json, django; django.setup(); from django.conf import settings\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _default_storage(**env) -> dict:
    result = _settings("print(json.dumps(settings.STORAGES['default']))", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_files_are_local_by_default():
    assert _default_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert _default_storage(FILE_STORAGE="local") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_file_storage_s3_builds_a_private_s3_storage():
    storage = _default_storage(
        FILE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="mobility-files",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
        AWS_S3_REGION_NAME="ru-central1",
        AWS_LOCATION="prod",
    )
    assert storage == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "mobility-files",
            "endpoint_url": "http://minio.internal:9000",
            "region_name": "ru-central1",
            "location": "prod",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    # On AWS itself no endpoint and no region need be given.
    options = _default_storage(FILE_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="b")["OPTIONS"]
    assert options["endpoint_url"] is None and options["region_name"] is None and options["location"] == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FILE_STORAGE": "s3"}, "FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"FILE_STORAGE": "ftp"}, "FILE_STORAGE is 'ftp': use local or s3"),
    ],
)
def test_an_incomplete_or_unknown_storage_refuses_to_start(env, message):
    result = _settings("print(settings.STORAGES)", **env)
    assert result.returncode != 0 and message in result.stderr


def test_the_s3_backend_is_installed_and_accepts_the_options():
    # django-storages is a requirement (pure Python, 33 KB); boto3 only on machines that use S3 (requirements-s3.txt).
    # boto3 is in requirements-dev.txt (through requirements-s3.txt), so the storage is built for real here.
    assert importlib.util.find_spec("storages") is not None and importlib.util.find_spec("boto3") is not None
    code = (
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "print(type(s).__name__, s.bucket_name, s.location, s.file_overwrite, s.default_acl)"
    )
    result = _settings(code, FILE_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="mobility-files", AWS_LOCATION="prod")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "mobility-files", "prod", "False", "None"]
