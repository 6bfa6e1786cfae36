"""Every kind of audit event, with the plain-words sentence each is shown as.

A new feature adds its tags here (and to docs/audit.md); ``record_event`` refuses unknown tags.
Sentences are ``str.format`` templates over the fields ``describe.describe_event`` provides:
``{actor}``, ``{subject}``, ``{project}``, ``{token}`` and every key of the event's details.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Tag(models.TextChoices):
    ACCOUNT_SIGNUP = "account:signup", _("Sign-up")
    ACCOUNT_LOGIN = "account:login", _("Login")
    ACCOUNT_LOGIN_FAILED = "account:login-failed", _("Failed login")
    ACCOUNT_LOGOUT = "account:logout", _("Logout")
    ACCOUNT_PASSWORD_CHANGE = "account:password-change", _("Password change")
    ACCOUNT_PASSWORD_RESET = "account:password-reset", _("Password reset")
    ACCOUNT_EMAIL_ADD = "account:email-add", _("Email address added")
    ACCOUNT_EMAIL_VERIFY = "account:email-verify", _("Email address verified")
    ACCOUNT_EMAIL_REMOVE = "account:email-remove", _("Email address removed")
    ACCOUNT_EMAIL_PRIMARY = "account:email-primary", _("Primary email address changed")
    TOKEN_CREATE = "token:create", _("API token created")
    TOKEN_NEW_IP = "token:new-ip", _("API token used from a new address")
    TOKEN_REVOKE = "token:revoke", _("API token revoked")
    TOKEN_REVOKE_LEAKED = "token:revoke-leaked", _("Leaked API token revoked")
    PROJECT_CREATE = "project:create", _("Project created")
    PROJECT_REMOVE = "project:remove", _("Project removed")
    ROLE_INVITE = "role:invite", _("Role invitation")
    ROLE_ACCEPT = "role:accept", _("Role invitation accepted")
    ROLE_DECLINE = "role:decline", _("Role invitation declined")
    ROLE_CANCEL = "role:cancel", _("Role invitation withdrawn")
    ROLE_CHANGE = "role:change", _("Role changed")
    ROLE_REMOVE = "role:remove", _("Role removed")
    RELEASE_ADD = "release:add", _("Release added")
    RELEASE_YANK = "release:yank", _("Release yanked")
    RELEASE_UNYANK = "release:unyank", _("Release un-yanked")
    RELEASE_REMOVE = "release:remove", _("Release removed")
    FILE_ADD = "file:add", _("File added")
    FILE_REMOVE = "file:remove", _("File removed")
    UPLOAD_REFUSED = "upload:refused", _("Upload refused")
    NAME_REFUSED = "name:refused", _("Project name refused")
    NAME_HELD = "name:held", _("Project name held for review")
    NAME_APPROVED = "name:approved", _("Held project name approved")
    NAME_EXCEPTION_ADDED = "name:exception-added", _("Name exception added")
    NAME_EXCEPTION_REMOVED = "name:exception-removed", _("Name exception removed")
    NAME_PROHIBITED_ADDED = "name:prohibited-added", _("Prohibited name added")
    NAME_PROHIBITED_REMOVED = "name:prohibited-removed", _("Prohibited name removed")
    ADMIN_USER_CREATE = "admin:user-create", _("Account created by an administrator")
    ADMIN_USER_DISABLE = "admin:user-disable", _("Account disabled")
    ADMIN_USER_ENABLE = "admin:user-enable", _("Account enabled")
    ADMIN_STAFF_GRANT = "admin:staff-grant", _("Administrator rights granted")
    ADMIN_STAFF_REVOKE = "admin:staff-revoke", _("Administrator rights removed")
    AUDIT_PURGE_IPS = "audit:purge-ips", _("Stored IP addresses cleared")
    MFA_TOTP_ADD = "mfa:totp-add", _("Authenticator app added")
    MFA_TOTP_REMOVE = "mfa:totp-remove", _("Authenticator app removed")
    MFA_WEBAUTHN_ADD = "mfa:webauthn-add", _("Security key added")
    MFA_WEBAUTHN_REMOVE = "mfa:webauthn-remove", _("Security key removed")
    MFA_RECOVERY_USED = "mfa:recovery-used", _("Recovery code used")
    MFA_RECOVERY_REGENERATE = "mfa:recovery-regenerate", _("Recovery codes replaced")
    MFA_SECOND_STEP_FAILED = "mfa:second-step-failed", _("Failed second step of a login")
    MFA_PROJECT_POLICY_CHANGE = (
        "mfa:project-policy-change",
        _("Project two-factor requirement changed"),
    )


SENTENCES: dict[str, str | Promise] = {
    Tag.ACCOUNT_SIGNUP: _("{actor} signed up"),
    Tag.ACCOUNT_LOGIN: _("{actor} logged in"),
    Tag.ACCOUNT_LOGIN_FAILED: _("Someone failed to log in as {subject} ({reason})"),
    Tag.ACCOUNT_LOGOUT: _("{actor} logged out"),
    Tag.ACCOUNT_PASSWORD_CHANGE: _("{actor} changed the password of {subject}"),
    Tag.ACCOUNT_PASSWORD_RESET: _("The password of {subject} was reset with an emailed link"),
    Tag.ACCOUNT_EMAIL_ADD: _("{actor} added the email address {subject}"),
    Tag.ACCOUNT_EMAIL_VERIFY: _("{actor} verified the email address {subject}"),
    Tag.ACCOUNT_EMAIL_REMOVE: _("{actor} removed the email address {subject}"),
    Tag.ACCOUNT_EMAIL_PRIMARY: _("{actor} made {subject} the primary email address"),
    Tag.TOKEN_CREATE: _("{actor} created the API token “{subject}”"),
    Tag.TOKEN_NEW_IP: _("The API token “{token}” was used from a new address"),
    Tag.TOKEN_REVOKE: _("{actor} revoked the API token “{subject}”"),
    Tag.TOKEN_REVOKE_LEAKED: _(
        "The API token “{subject}” was revoked after a leak report ({source})"
    ),
    Tag.PROJECT_CREATE: _("{actor} created the project {project}"),
    Tag.PROJECT_REMOVE: _("{actor} removed the project {project}"),
    Tag.ROLE_INVITE: _("{actor} invited {subject} to be {role} of {project}"),
    Tag.ROLE_ACCEPT: _("{actor} accepted the invitation to be {role} of {project}"),
    Tag.ROLE_DECLINE: _("{actor} declined the invitation to be {role} of {project}"),
    Tag.ROLE_CANCEL: _("{actor} withdrew the invitation of {subject} to be {role} of {project}"),
    Tag.ROLE_CHANGE: _("{actor} changed the role of {subject} on {project} to {role}"),
    Tag.ROLE_REMOVE: _("{actor} removed {subject} from the project {project}"),
    Tag.RELEASE_ADD: _("{actor} added the release {subject}"),
    Tag.RELEASE_YANK: _("{actor} yanked the release {subject}"),
    Tag.RELEASE_UNYANK: _("{actor} un-yanked the release {subject}"),
    Tag.RELEASE_REMOVE: _("{actor} removed the release {subject}"),
    Tag.FILE_ADD: _("{actor} uploaded the file {subject}"),
    Tag.FILE_REMOVE: _("{actor} removed the file {subject}"),
    Tag.UPLOAD_REFUSED: _("An upload by {actor} to {project} was refused: {reason}"),
    Tag.NAME_REFUSED: _(
        "{actor} was refused the project name {name}: it resembles {resembles} ({rule})"
    ),
    Tag.NAME_HELD: _(
        "{actor} registered {project}, held for review: it resembles {resembles} ({rule})"
    ),
    Tag.NAME_APPROVED: _("{actor} approved the held project name {project}"),
    Tag.NAME_EXCEPTION_ADDED: _("{actor} allowed the project name {name} for {who}"),
    Tag.NAME_EXCEPTION_REMOVED: _("{actor} withdrew the exception for the project name {name}"),
    Tag.NAME_PROHIBITED_ADDED: _("{actor} prohibited the project name {name}"),
    Tag.NAME_PROHIBITED_REMOVED: _("{actor} allowed the prohibited project name {name} again"),
    Tag.ADMIN_USER_CREATE: _("{actor} created the account {subject}"),
    Tag.ADMIN_USER_DISABLE: _("{actor} disabled the account {subject}"),
    Tag.ADMIN_USER_ENABLE: _("{actor} enabled the account {subject}"),
    Tag.ADMIN_STAFF_GRANT: _("{actor} made {subject} an administrator"),
    Tag.ADMIN_STAFF_REVOKE: _("{actor} removed the administrator rights of {subject}"),
    Tag.AUDIT_PURGE_IPS: _(
        "{actor} cleared the IP addresses of {count} events older than {days} days"
    ),
    Tag.MFA_TOTP_ADD: _("{actor} added an authenticator app to the account {subject}"),
    Tag.MFA_TOTP_REMOVE: _("{actor} removed the authenticator app of the account {subject}"),
    Tag.MFA_WEBAUTHN_ADD: _("{actor} added the security key “{name}” to the account {subject}"),
    Tag.MFA_WEBAUTHN_REMOVE: _(
        "{actor} removed the security key “{name}” of the account {subject}"
    ),
    Tag.MFA_RECOVERY_USED: _("A recovery code of {subject} was used to log in ({remaining} left)"),
    Tag.MFA_RECOVERY_REGENERATE: _("{actor} replaced the recovery codes of {subject}"),
    Tag.MFA_SECOND_STEP_FAILED: _(
        "Someone who knew the password of {subject} failed the second step ({method}: {reason})"
    ),
    Tag.MFA_PROJECT_POLICY_CHANGE: _(
        "{actor} set two-factor authentication for the members of {project} to {required}"
    ),
}


def is_known_tag(tag: str) -> bool:
    return tag in SENTENCES
