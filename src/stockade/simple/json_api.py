"""Build the JSON API documents (``/pypi/<project>/json``) in the shape PyPI's has."""

from __future__ import annotations

from typing import Any

from stockade.packaging.models import File, Project, Release
from stockade.packaging.versions import version_key

_SINGLE_INFO_KEYS = (
    "author",
    "author_email",
    "description",
    "description_content_type",
    "download_url",
    "home_page",
    "license",
    "license_expression",
    "maintainer",
    "maintainer_email",
    "requires_python",
    "summary",
)
_LIST_INFO_KEYS = ("classifiers", "dynamic", "license_files", "provides_extra", "requires_dist")


def project_document(
    project: Project, release: Release, base_url: str, all_releases: list[Release] | None
) -> dict[str, Any]:
    """Return the document for one release; with ``all_releases``, the project document."""
    files_by_release: dict[int, list[File]] = {}
    wanted = all_releases if all_releases is not None else [release]
    for f in File.objects.filter(release__in=wanted).order_by("filename"):
        files_by_release.setdefault(f.release_id, []).append(f)
    document: dict[str, Any] = {
        "info": _info(project, release, base_url),
        "last_serial": project.serial,
        "urls": [_file_info(f, release, base_url) for f in files_by_release.get(release.pk, [])],
        "vulnerabilities": [],
    }
    if all_releases is not None:
        ordered = sorted(all_releases, key=lambda r: version_key(r.version))
        document["releases"] = {
            r.version: [_file_info(f, r, base_url) for f in files_by_release.get(r.pk, [])]
            for r in ordered
        }
    return document


def _info(project: Project, release: Release, base_url: str) -> dict[str, Any]:
    meta = release.metadata
    info: dict[str, Any] = {key: meta.get(key) for key in _SINGLE_INFO_KEYS}
    info.update({key: meta.get(key) or None for key in _LIST_INFO_KEYS})
    info["classifiers"] = meta.get("classifiers") or []
    info["keywords"] = ",".join(meta.get("keywords") or []) or None
    info["platform"] = ",".join(meta.get("platforms") or []) or None
    info["project_urls"] = meta.get("project_urls") or None
    info["name"] = project.name
    info["version"] = release.version
    info["yanked"] = release.yanked
    info["yanked_reason"] = release.yanked_reason or None
    info["bugtrack_url"] = None
    info["docs_url"] = None
    info["downloads"] = {"last_day": -1, "last_month": -1, "last_week": -1}
    info["package_url"] = f"{base_url}/project/{project.normalized_name}/"
    info["project_url"] = info["package_url"]
    info["release_url"] = f"{base_url}/project/{project.normalized_name}/{release.version}/"
    return info


def _file_info(file: File, release: Release, base_url: str) -> dict[str, Any]:
    return {
        "comment_text": "",
        "digests": {"blake2b_256": file.blake2_256, "md5": file.md5, "sha256": file.sha256},
        "downloads": -1,
        "filename": file.filename,
        "has_sig": False,
        "md5_digest": file.md5,
        "packagetype": file.packagetype,
        "python_version": file.python_version,
        "requires_python": file.requires_python or None,
        "size": file.size,
        "upload_time": file.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": file.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "url": f"{base_url}/{file.path}",
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }
