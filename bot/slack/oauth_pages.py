"""The pages an installer sees at the end of the OAuth flow: installed, or not and why.

Pure functions from values to HTML. Everything that comes from a request or from Slack (names,
ids, error codes) is escaped; the failure page never shows a stack trace or a raw exception,
only what went wrong in words and the way back to the start.
"""

from __future__ import annotations

import html

from slack_sdk.oauth.installation_store import Installation

FORGED, EXPIRED = "forged", "expired"
"""Why a ``state`` was refused, beyond Bolt's own reasons (``bot.slack.oauth``)."""
FAILURES = {
    "access_denied": "The installation was cancelled in Slack.",
    "invalid_browser": "This page was opened in another browser than the one that started "
    "the installation, or it was reloaded.",
    "invalid_state": "This installation link has already been used.",
    FORGED: "This installation link was not issued by this app.",
    EXPIRED: "This installation link has expired.",
    "missing_code": "Slack did not send an authorization code.",
    "invalid_code": "Slack did not accept the authorization code.",
    "storage_error": "The app could not save the installation. Please try again in a moment.",
}
"""What each of Bolt's failure reasons means to the installer."""
_STYLE = "body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}"


def page(title: str, paragraphs: list[str]) -> str:
    """A small HTML page; ``paragraphs`` are HTML the callers built from escaped values."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}"
        "</body></html>"
    )


def _link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def success_page(installation: Installation) -> str:
    """Names the workspace (or organisation) and says where to go next."""
    app_id, team_id = installation.app_id or "", installation.team_id
    if installation.is_enterprise_install:
        name = installation.enterprise_name or installation.enterprise_id or "your organisation"
        lines = [f"Partner Glossary is installed in the {html.escape(name)} organisation."]
        if installation.enterprise_url and app_id:
            url = (
                f"{installation.enterprise_url}manage/organization/apps/profile/{app_id}"
                "/workspaces/add"
            )
            lines.append(f"Next, {_link(url, 'choose the workspaces it serves')}.")
    else:
        name = installation.team_name or team_id or "your workspace"
        lines = [f"Partner Glossary is installed in {html.escape(name)}."]
        if team_id and app_id:
            lines.append(
                _link(f"slack://app?team={team_id}&id={app_id}", "Open it in Slack")
                + " or "
                + _link(f"https://app.slack.com/client/{team_id}", "in your browser")
                + "."
            )
    lines.append(
        "Invite it to a channel with <code>/invite @glossary</code>, then try "
        "<code>/define EQL</code>."
    )
    return page("Installed", lines)


def failure_page(reason: str, *, install_path: str) -> str:
    """Says what went wrong (``reason``: a ``FAILURES`` key or Slack's error code)."""
    what = FAILURES.get(reason) or f"Slack reported an error ({reason})."
    again = _link(install_path, "Start the installation again")
    return page("Not installed", [html.escape(what), "Nothing was installed.", f"{again}."])
