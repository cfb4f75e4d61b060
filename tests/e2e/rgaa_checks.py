"""Automated RGAA 4.1 checks (issue 22), run by the per-page crawl of
tests/e2e/test_accessibility.py: the cheap ones (one ``page.evaluate`` each, and the 320 px
viewport) on every page of tests/e2e/pages.py VISITS for every role, the expensive ones (the
200 % zoom, the text spacing override, the tab walk) on the RGAA sample only
(config/rgaa/sample.json, owned by the audit grid).

``CHECKS`` maps each check to the RGAA 4.1 criteria it decides; the grid's "auto:<check>"
rows name these keys (never rename one). A check returns a list of defects, each a string
that says where (a CSS path) and what. A defect that cannot be fixed now is accepted only
through ``ACCEPTED`` below, with its criterion, reason and planned date: the accessibility
statement lists the same entries.
"""

import datetime
import fnmatch
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHECKS: dict[str, tuple[str, ...]] = {
    "axe": (
        "1.1",
        "1.2",
        "3.2",
        "5.4",
        "6.2",
        "8.1",
        "8.2",
        "8.3",
        "8.4",
        "8.7",
        "10.6",
        "11.1",
        "11.2",
        "11.13",
        "12.6",
    ),
    "titre": ("8.5", "8.6"),
    "langue": ("8.3", "8.4", "8.7"),
    "titres-hierarchie": ("9.1",),
    "regions": ("12.6",),
    "lien-evitement": ("12.7",),
    "reflow-320": ("10.11",),
    "zoom-200": ("10.4",),
    "espacement-texte": ("10.12",),
    "focus-visible": ("10.7",),
    "ordre-tabulation": ("12.8",),
    "piege-clavier": ("12.9",),
    "nom-accessible-intitule-visible": ("6.1", "7.1", "11.2"),
    "messages-de-statut": ("7.5",),
    "erreurs-liees-aux-champs": ("11.10", "11.11"),
    "champs-autocomplete": ("11.13",),
    "nouvelle-fenetre": ("13.2",),
    "contenu-en-mouvement": ("13.8",),
    "navigation-coherente": ("12.1", "12.2"),
    "tableaux": ("5.6", "5.7"),
    # The PDF/UA-1 checks of the letters (tests/notifications/test_letter_accessibility.py).
    "documents-pdf": ("13.3",),
}

# The axe-core rules (WCAG 2.0/2.1 A and AA, tests/e2e/axe.py) and the RGAA 4.1 criteria
# each one decides in part (the RGAA's own correspondence table, for the rules axe runs).
AXE_RULES_TO_CRITERIA: dict[str, tuple[str, ...]] = {
    "area-alt": ("1.1",),
    "image-alt": ("1.1",),
    "input-image-alt": ("1.1",),
    "role-img-alt": ("1.1",),
    "svg-img-alt": ("1.1",),
    "object-alt": ("1.1",),
    "image-redundant-alt": ("1.2",),
    "color-contrast": ("3.2",),
    "link-in-text-block": ("3.1",),
    "frame-title": ("2.1",),
    "table-duplicate-name": ("5.4",),
    "td-headers-attr": ("5.7",),
    "th-has-data-cells": ("5.6",),
    "link-name": ("6.2",),
    "button-name": ("11.9",),
    "input-button-name": ("11.9",),
    "aria-allowed-attr": ("7.1",),
    "aria-required-attr": ("7.1",),
    "aria-required-children": ("7.1",),
    "aria-required-parent": ("7.1",),
    "aria-roles": ("7.1",),
    "aria-valid-attr": ("7.1",),
    "aria-valid-attr-value": ("7.1",),
    "aria-hidden-focus": ("7.1", "10.8"),
    "nested-interactive": ("7.1",),
    "document-title": ("8.5",),
    "html-has-lang": ("8.3",),
    "html-lang-valid": ("8.4",),
    "valid-lang": ("8.8",),
    "duplicate-id-aria": ("8.2",),
    "list": ("9.3",),
    "listitem": ("9.3",),
    "definition-list": ("9.3",),
    "dlitem": ("9.3",),
    "meta-viewport": ("10.4",),
    "label": ("11.1",),
    "label-title-only": ("11.1",),
    "select-name": ("11.1",),
    "form-field-multiple-labels": ("11.1",),
    "label-content-name-mismatch": ("11.2",),
    "autocomplete-valid": ("11.13",),
    "scrollable-region-focusable": ("12.8",),
    "bypass": ("12.7",),
    "meta-refresh": ("13.1",),
    "blink": ("13.8",),
    "marquee": ("13.8",),
    "video-caption": ("4.3",),
    "audio-caption": ("4.1",),
}


# --- Accepted defects (copied into the accessibility statement) -------------------------


@dataclass(frozen=True)
class Accepted:
    check: str
    criterion: str
    where: str  # "role/visit", fnmatch pattern
    defect: str  # a part of the defect's text
    reason: str
    planned: datetime.date


# Empty since the two found in session 9 were fixed: the State's logotype clipped by the
# header's brand block with text spacing (static/css/portal.css), the queue's CSV export
# button drawn icon-only at 200 % (templates/reviews/queue.html, fr-btns-group--icon-left).
ACCEPTED: list[Accepted] = []


def accepted(check: str, role: str, visit: str, defect: str) -> bool:
    return any(
        entry.check == check
        and fnmatch.fnmatchcase(f"{role}/{visit}", entry.where)
        and entry.defect in defect
        for entry in ACCEPTED
    )


# --- The RGAA sample ---------------------------------------------------------------------

SAMPLE_FILE = Path(__file__).resolve().parents[2] / "config" / "rgaa" / "sample.json"

# Until the grid's sample exists: the pages a person meets on each main journey.
PROVISIONAL_SAMPLE = {
    ("anonymous", "accueil"),
    ("anonymous", "registre"),
    ("anonymous", "connexion-erreur"),
    ("anonymous", "inscription-erreurs"),
    ("anonymous", "declaration-accessibilite"),
    ("operator", "tableau-de-bord"),
    ("operator", "etape-patient-erreurs"),
    ("operator", "dossier-granted"),
    ("professional", "decision"),
    ("evaluator", "dossier-en-instruction"),
    ("senior", "dossier-a-valider"),
}


def sample_pages() -> set[tuple[str, str]]:
    """(role, visit name) of the RGAA sample's pages (a downloadable document has no
    visit: the PDF checks cover it)."""
    if not SAMPLE_FILE.exists():
        return PROVISIONAL_SAMPLE
    pages = json.loads(SAMPLE_FILE.read_text())
    return {(entry["role"], entry["visit"]) for entry in pages if entry.get("visit")}


# --- The checks in the page --------------------------------------------------------------

# Helpers shared by the checks: a short CSS path of an element, its visibility, a text
# normalised for comparison (case, spaces and punctuation do not count, per WCAG 2.5.3).
_HELPERS = r"""
const where = (el) => {
  const parts = [];
  for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
    let part = node.tagName.toLowerCase();
    if (node.id) { parts.unshift(part + '#' + node.id); break; }
    const classes = [...node.classList].filter((c) => !c.startsWith('fr-icon')).slice(0, 2);
    if (classes.length) part += '.' + classes.join('.');
    parts.unshift(part);
  }
  return parts.join(' > ');
};
const shown = (el) => {
  if (!el.getClientRects().length) return false;
  // The content of a closed <details> is not rendered (its summary is).
  const closed = el.closest('details:not([open])');
  if (closed && !el.closest('summary')) return false;
  const style = getComputedStyle(el);
  return style.visibility !== 'hidden' && style.display !== 'none';
};
const srOnly = (el) => !!el.closest('.fr-sr-only, .sr-only');
const norm = (text) => (text || '').toLowerCase().normalize('NFC')
  .replace(/[\s\u00a0\u202f]+/g, ' ').replace(/[.,;:!?«»"'’()\[\]–—\-…*]/g, '').replace(/ +/g, ' ').trim();
// axe-core's accessible name computation (the virtual tree it reads is built by setup).
const accessibleName = (el) => window.axe.commons.text.accessibleText(el);
const withAxe = (fn) => { window.axe.setup(document); try { return fn(); } finally { window.axe.teardown(); } };
const text = (el) => (el.innerText || '').replace(/\s+/g, ' ').trim();
const visibleText = (el) => {
  // The text drawn on screen: innerText without the screen-reader-only parts.
  const clone = el.cloneNode(true);
  clone.querySelectorAll('.fr-sr-only, .sr-only, [aria-hidden=true]').forEach((n) => n.remove());
  clone.querySelectorAll('br').forEach((n) => n.replaceWith(' '));
  return (clone.textContent || '').replace(/\s+/g, ' ').trim();
};
// Text cut off: an element that hides its overflow and some of whose own text lies outside
// its box. Not counted: the texts hidden on purpose for screen readers (DSFR's fr-sr-only,
// a box of 1 px), and DSFR's icon-only buttons (.fr-btn--menu at small widths: the label is
// hidden by design, the button is named by it for assistive technologies).
const clipped = () => {
  const found = [];
  const hides = (v) => v === 'hidden' || v === 'clip';
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (!hides(style.overflowX) && !hides(style.overflowY)) continue;
    if (el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1) continue;
    if (srOnly(el) || !shown(el) || el.closest('.fr-btn--menu')) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!node.textContent.trim() || srOnly(parent) || !shown(parent) || parent.closest('.fr-btn--menu')) continue;
      range.selectNodeContents(node);
      const out = [...range.getClientRects()].some((r) => r.width > 0 && (
        (hides(style.overflowX) && (r.right > box.right + 1 || r.left < box.left - 1))
        || (hides(style.overflowY) && (r.bottom > box.bottom + 1 || r.top < box.top - 1))));
      if (out) {
        found.push(where(el) + ': text clipped «' + node.textContent.trim().slice(0, 60) + '»');
        break;
      }
    }
  }
  return found;
};
"""

_CHECKS_JS: dict[str, str] = {
    # Title: present, with a part of its own before the site's name, and naming the page:
    # it shares a word (4 letters or more, accents and case aside) with the h1. The home
    # page is "Accueil", the name the menu gives it. Relevance beyond that is the grid's
    # manual check; uniqueness across the pages is Crawl's.
    "titre": r"""(site) => {
      const title = document.title.replace(/\s+/g, ' ').trim();
      if (!title) return ['<title>: empty'];
      const own = title.endsWith(site) ? title.slice(0, -site.length).replace(/[\s—–-]+$/, '') : title;
      if (!own) return ['<title> «' + title + '»: only the site name'];
      const h1 = document.querySelector('h1');
      if (!h1 || location.pathname === '/' || location.pathname === '/en/') return [];
      const words = (t) => new Set(norm(t).normalize('NFD').replace(/[\u0300-\u036f]/g, '')
        .split(/[ /]/).filter((w) => w.length >= 4));
      const heading = words(visibleText(h1));
      if ([...words(own)].some((w) => heading.has(w))) return [];
      return ['<title> «' + title + '» shares no word with the h1 «' + visibleText(h1) + '»'];
    }""",
    # Language: <html lang> is the language of the page (fr, or en on English pages), every
    # lang attribute is a well-formed BCP 47 tag.
    "langue": r"""(expected) => {
      const found = [];
      const lang = document.documentElement.getAttribute('lang') || '';
      if (lang.split('-')[0].toLowerCase() !== expected)
        found.push('<html lang="' + lang + '">: the page is in «' + expected + '»');
      const bcp47 = /^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*$/;
      for (const el of document.querySelectorAll('[lang]')) {
        const value = el.getAttribute('lang');
        if (!bcp47.test(value)) found.push(where(el) + ': lang="' + value + '" is not a BCP 47 tag');
      }
      return found;
    }""",
    # Headings: one h1, no level skipped going down (h2 then h4).
    "titres-hierarchie": r"""() => {
      const found = [];
      const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')]
        .filter((el) => shown(el) || srOnly(el));
      const level = (el) => el.getAttribute('role') === 'heading'
        ? parseInt(el.getAttribute('aria-level') || '2', 10) : parseInt(el.tagName[1], 10);
      const h1s = headings.filter((el) => level(el) === 1);
      if (h1s.length !== 1) found.push(h1s.length + ' h1 on the page (one expected)');
      let previous = 0;
      for (const el of headings) {
        const current = level(el);
        if (current > previous + 1)
          found.push(where(el) + ': h' + current + ' after h' + previous + ' «' + text(el).slice(0, 50) + '»');
        previous = current;
      }
      return found;
    }""",
    # Landmarks: one banner (header), navigation, one main, one contentinfo (footer), in
    # this order.
    "regions": r"""() => {
      const found = [];
      const one = (selector, name) => {
        const all = [...document.querySelectorAll(selector)];
        if (all.length !== 1) found.push(all.length + ' ' + name + ' (one expected)');
        return all[0];
      };
      const header = one('header[role=banner], [role=banner]', 'banner (header)');
      const main = one('main, [role=main]', 'main');
      const footer = one('footer[role=contentinfo], [role=contentinfo]', 'contentinfo (footer)');
      if (!document.querySelector('nav, [role=navigation]')) found.push('no navigation region');
      const before = (a, b) => a && b && (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
      if (header && main && !before(header, main)) found.push('the header is not before main');
      if (main && footer && !before(main, footer)) found.push('main is not before the footer');
      return found;
    }""",
    # Skip links: the first focusable element of the page is a skip link, and each skip
    # link's target exists.
    "lien-evitement": r"""() => {
      const found = [];
      const focusable = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
        .filter((el) => !el.disabled && el.getAttribute('tabindex') !== '-1' && el.type !== 'hidden');
      const links = [...document.querySelectorAll('.fr-skiplinks a')];
      if (!links.length) return ['no skip links (.fr-skiplinks)'];
      if (focusable[0] !== links[0]) found.push('the first focusable element is ' + where(focusable[0]) + ', not the skip link');
      for (const link of links) {
        const id = decodeURIComponent((link.getAttribute('href') || '').replace(/^#/, ''));
        if (!id || !document.getElementById(id)) found.push(where(link) + ': its target «#' + id + '» does not exist');
      }
      return found;
    }""",
    # Tab order: no positive tabindex (the walk of the sample pages checks the order itself).
    "ordre-tabulation": r"""() => [...document.querySelectorAll('[tabindex]')]
      .filter((el) => parseInt(el.getAttribute('tabindex'), 10) > 0)
      .map((el) => where(el) + ': tabindex="' + el.getAttribute('tabindex') + '" changes the tab order')""",
    # Label in name (WCAG 2.5.3, RGAA 6.1, 7.1, 11.2): the accessible name of each link,
    # button and field with a visible text or label contains that text (axe-core's name
    # computation: axe is in the page after tests/e2e/axe.py ran).
    "nom-accessible-intitule-visible": r"""() => withAxe(() => {
      const found = [];
      const name = accessibleName;
      for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=link]')) {
        // Hidden (a closed dialog, e.g. DSFR's display settings): not shown, not named.
        const label = el.labels && el.labels[0];
        if (!shown(el) && !(label && shown(label))) continue;
        let visible;
        if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
          if (['submit', 'button', 'reset'].includes(el.type)) visible = el.value;
          else if (el.labels && el.labels.length) visible = visibleText(el.labels[0]);
          else continue;  // no visible label: axe's rules decide
        } else {
          visible = visibleText(el);
        }
        if (!norm(visible)) continue;  // icon only: axe's link-name / button-name decide
        const accessible = name(el);
        if (!norm(accessible).includes(norm(visible)))
          found.push(where(el) + ': visible «' + visible.slice(0, 60) + '», accessible name «' + accessible.slice(0, 80) + '»');
      }
      return found;
    })""",
    # Status messages: every message of the messages framework, error summary and field
    # error shown is in a live region (role alert or status, or aria-live), or is the text
    # of a field's aria-describedby (read with the field the summary leads to).
    "messages-de-statut": r"""(acted) => {
      const live = (el) => el.closest('[role=alert], [role=status], [aria-live=polite], [aria-live=assertive], [role=log]');
      // The messages framework's messages tell the result of the previous POST; on a page
      // answering a POST, its error summary too. Other alerts are page content (what is
      // missing before filing, the incidents of a file), read in the page's order.
      const selector = '.portal-messages .fr-alert' + (acted ? ', .portal-error-summary' : '');
      return [...document.querySelectorAll(selector)]
        .filter((el) => !live(el))
        .map((el) => where(el) + ': message not announced (no role=alert/status, no aria-live): «' + text(el).slice(0, 60) + '»');
    }""",
    # Errors linked to fields: each field error message (.fr-error-text, .fr-message--error)
    # is named by the aria-describedby of a field marked aria-invalid="true" in the same
    # group; a page in its error state shows a summary (role=alert) whose links lead to
    # existing fields.
    "erreurs-liees-aux-champs": r"""(acted) => {
      const found = [];
      const messages = [...document.querySelectorAll('.fr-error-text, .fr-message--error')]
        .filter((el) => !el.closest('.portal-error-summary'));
      for (const message of messages) {
        if (!message.id) { found.push(where(message) + ': error message without id, no field can name it'); continue; }
        // A field names it in aria-describedby; a group of radios or checkboxes (DSFR's
        // fieldset) names the messages block holding it in aria-labelledby, and is marked
        // fr-fieldset--error.
        const names = (f, attribute) => (f.getAttribute(attribute) || '').split(/\s+/)
          .some((id) => { const target = id && document.getElementById(id); return !!target && target.contains(message); });
        const fields = [...document.querySelectorAll('[aria-describedby]')].filter((f) => names(f, 'aria-describedby'));
        const groups = [...document.querySelectorAll('fieldset[aria-labelledby]')]
          .filter((f) => f.contains(message) && names(f, 'aria-labelledby'));
        if (!fields.length && !groups.length) found.push(where(message) + ': no field names this error (aria-describedby, or its fieldset aria-labelledby)');
        for (const f of fields) {
          if (f.getAttribute('aria-invalid') !== 'true' && f.tagName !== 'FIELDSET') found.push(where(f) + ': field in error without aria-invalid="true"');
        }
        for (const f of groups) {
          if (!f.classList.contains('fr-fieldset--error')) found.push(where(f) + ': group in error without fr-fieldset--error');
        }
      }
      if (acted) {
        const summary = document.querySelector('.portal-error-summary, [role=alert]');
        if (!summary) found.push('error state without an error summary or alert');
        for (const link of document.querySelectorAll('.portal-error-summary a[href^="#"]')) {
          const id = decodeURIComponent(link.getAttribute('href').slice(1));
          if (!document.getElementById(id)) found.push(where(link) + ': leads to «#' + id + '», which does not exist');
        }
      }
      return found;
    }""",
    # Autocomplete: the fields asking a person for their own email address, name, phone or
    # organisation carry the WCAG 1.3.5 token (RGAA 11.13). The fields are told by their
    # name attribute. Fields about someone else are not concerned by 11.13: most carry other
    # names (expert_email, prescriber_email); the organisation's invitation form asks for
    # the invited person's "email" (autocomplete off on purpose), told by its label
    # (OTHER_PEOPLE).
    "champs-autocomplete": r"""([expected, others]) => {
      const found = [];
      for (const el of document.querySelectorAll('input, select, textarea')) {
        const token = expected[el.getAttribute('name')];
        if (!token) continue;
        const label = norm(el.labels && el.labels[0] ? visibleText(el.labels[0]) : '');
        if (others.some((words) => label.includes(norm(words)))) continue;
        const value = (el.getAttribute('autocomplete') || '').trim().split(/\s+/).pop();
        if (value !== token) found.push(where(el) + ': autocomplete="' + (el.getAttribute('autocomplete') || '') + '", «' + token + '» expected');
      }
      return found;
    }""",
    # New window: each link opening one says so in its accessible name or title.
    "nouvelle-fenetre": r"""() => withAxe(() => [...document.querySelectorAll('a[target=_blank]')]
      .filter((a) => !/nouvelle fen[êe]tre|new window/i.test(accessibleName(a) + ' ' + (a.title || '')))
      .map((a) => where(a) + ': opens a new window without saying so: «' + text(a).slice(0, 60) + '»'))""",
    # Moving content: no autoplay media, no marquee/blink, no running animation that loops
    # forever or lasts more than 5 s.
    "contenu-en-mouvement": r"""() => {
      const found = [...document.querySelectorAll('video[autoplay], audio[autoplay], marquee, blink')]
        .map((el) => where(el) + ': moves or plays by itself');
      for (const animation of document.getAnimations()) {
        const timing = animation.effect && animation.effect.getComputedTiming();
        if (!timing || animation.playState !== 'running') continue;
        const total = timing.iterations === Infinity ? Infinity : timing.activeDuration;
        if (total > 5000) {
          const target = animation.effect.target;
          found.push((target ? where(target) : 'animation') + ': runs ' + (total === Infinity ? 'forever' : total + ' ms'));
        }
      }
      return found;
    }""",
    # Data tables: each header cell (th) is tied to its cells (scope, id or an ARIA header
    # role, RGAA 5.7), each table with data cells has header cells (5.6).
    "tableaux": r"""() => {
      const found = [];
      for (const table of document.querySelectorAll('table:not([role=presentation]):not([role=none])')) {
        const ths = table.querySelectorAll('th');
        if (!ths.length && table.querySelector('td')) found.push(where(table) + ': data table without header cells');
        for (const th of ths) {
          if (!th.getAttribute('scope') && !th.id && !['columnheader', 'rowheader'].includes(th.getAttribute('role')))
            found.push(where(th) + ': header cell without scope, id or role «' + text(th).slice(0, 40) + '»');
        }
      }
      return found;
    }""",
    # Reflow at 320 CSS px (run once the viewport is 320 px wide): no horizontal scroll of
    # the page. Content that needs two dimensions is allowed to scroll inside its own box
    # (WCAG 1.4.10 exception): data tables (DSFR .fr-table wrappers) and regions made
    # keyboard-scrollable (role=region with overflow auto or scroll). Reported: the
    # outermost elements reaching beyond the viewport outside those boxes.
    "reflow-320": r"""() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width + 1) return [];
      const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
      const exempt = (el) => {
        for (let node = el; node; node = node.parentElement) {
          if (node.matches('table, .fr-table') || (node.matches('[role=region], pre') && scrolls(node))) return true;
        }
        return false;
      };
      const found = [];
      for (const el of document.body.querySelectorAll('*')) {
        if (!shown(el) || srOnly(el) || exempt(el)) continue;
        const box = el.getBoundingClientRect();
        if (box.right <= width + 1 || box.width === 0) continue;
        if (found.some((f) => f.el.contains(el))) continue;
        found.push({el, right: Math.round(box.right)});
      }
      return [('page ' + document.documentElement.scrollWidth + ' px wide at ' + width + ' px')]
        .concat(found.slice(0, 5).map((f) => where(f.el) + ': ends at ' + f.right + ' px'));
    }""",
    "texte-tronque": "() => clipped()",
}

# The fields of a person's own data and their autocomplete token (WCAG 2.1 § 7).
AUTOCOMPLETE = {
    "email": "email",
    "username": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "phone": "tel",
    # Not "facility_name": on a file's patient step and supplies it is the hospital using
    # the device, not the operator's own organisation (only the registry's join form asks
    # professionals for their own facility: it carries "organization").
}

SITE_NAME = "Portail Dérogations DMDIV"

# Labels of fields about another person than the one filling the form in.
OTHER_PEOPLE = ["de la personne à inviter", "of the person to invite"]

# WCAG 1.4.12: the text spacing a user may set (the bookmarklet's values). Applied as a
# constructed stylesheet, which the page's Content-Security-Policy does not block (a
# <style> element would be refused).
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


def _run(page, name: str, argument: object = None) -> list[str]:
    script = f"(argument) => {{ {_HELPERS}\n return ({_CHECKS_JS[name]})(argument); }}"
    return page.evaluate(script, argument)


# --- Per page (every page of the crawl) --------------------------------------------------

SMALL_VIEWPORT = {"width": 320, "height": 256}


# The checks of every page, in one evaluation (one round trip to the browser), with their
# argument.
_PAGE_CHECKS = [
    "titre",
    "langue",
    "titres-hierarchie",
    "regions",
    "lien-evitement",
    "ordre-tabulation",
    "nom-accessible-intitule-visible",
    "messages-de-statut",
    "erreurs-liees-aux-champs",
    "champs-autocomplete",
    "nouvelle-fenetre",
    "contenu-en-mouvement",
    "tableaux",
]
_ALL_PAGE_CHECKS = (
    "(argument) => { "
    + _HELPERS
    + "\nconst checks = {"
    + ",\n".join(f"{json.dumps(name)}: {_CHECKS_JS[name]}" for name in _PAGE_CHECKS)
    + "};\nreturn Object.fromEntries(Object.entries(checks)"
    + ".map(([name, check]) => [name, check(argument[name])])); }"
)


def page_defects(page, *, acted: bool) -> dict[str, list[str]]:
    """The cheap checks on the page as it is (after any action), then reflow at 320 px.
    tests/e2e/axe.py must have run on it (the name computations use axe-core)."""
    language = "en" if "/en/" in page.url else "fr"
    arguments = {
        "titre": SITE_NAME,
        "langue": language,
        "erreurs-liees-aux-champs": acted,
        "messages-de-statut": acted,
        "champs-autocomplete": [AUTOCOMPLETE, OTHER_PEOPLE],
    }
    defects: dict[str, list[str]] = page.evaluate(_ALL_PAGE_CHECKS, arguments)
    viewport = page.viewport_size
    page.set_viewport_size(SMALL_VIEWPORT)
    try:
        defects["reflow-320"] = _run(page, "reflow-320")
    finally:
        page.set_viewport_size(viewport)
    return defects


# --- Sample pages only ---------------------------------------------------------------------

# WCAG 1.4.4 lets text be resized by the browser's page zoom (technique G142). A 1280 px
# wide window zoomed to 200 % lays the page out in 640 CSS px, each drawn with two device
# pixels: the layout (media queries, line breaks, overflow) is the one of a 640 CSS px
# viewport, and the device pixel ratio changes only the sharpness. So the check lays the
# page out in a 640 px wide viewport (Playwright fixes the pixel ratio per context).
ZOOMED_VIEWPORT = {"width": 640, "height": 360}
MAX_TABS = 80
# Chromium's date and time fields take one Tab per part (day, month, year) and draw the
# focus as the highlighted part, inside the field's own shadow tree, where computed styles
# do not reach: their focus is the browser's, counted visible.
SEGMENTS = {"date": 4, "time": 3, "datetime-local": 6, "month": 3, "week": 3}


def sample_defects(page) -> dict[str, list[str]]:
    viewport = page.viewport_size
    page.set_viewport_size(ZOOMED_VIEWPORT)
    try:
        zoom = _run(page, "texte-tronque")
    finally:
        page.set_viewport_size(viewport)
    page.evaluate(
        """(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        window.__rgaaSpacing = sheet; }""",
        TEXT_SPACING,
    )
    try:
        spacing = _run(page, "texte-tronque")
    finally:
        page.evaluate(
            "() => { document.adoptedStyleSheets = document.adoptedStyleSheets"
            ".filter((s) => s !== window.__rgaaSpacing); }"
        )
    return {"zoom-200": zoom, "espacement-texte": spacing, **tab_walk(page)}


# Before the walk: each focusable element's look unfocused (outline, box-shadow, border,
# background, its ::before/::after and its label's). During the walk: the focused element's
# look must differ (focus visible, 10.7), lie in the viewport and not be covered by another
# element (focus not hidden); the order is the document's (12.8); Tab leaves each element
# (12.9).
_LOOK = r"""
const look = (el) => {
  const parts = [el, ...(el.labels ? [...el.labels] : [])];
  return parts.map((node) => [getComputedStyle(node), getComputedStyle(node, '::before'), getComputedStyle(node, '::after')]
    .map((s) => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor, s.textDecorationLine].join('|'))
    .join('/')).join('//');
};
"""

_BEFORE_WALK = (
    "() => { "
    + _LOOK
    + """
  document.activeElement && document.activeElement.blur();
  window.__rgaaLooks = new Map();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]'))
    window.__rgaaLooks.set(el, look(el));
  window.scrollTo(0, 0);
}"""
)

_FOCUSED = (
    "() => { "
    + _HELPERS
    + _LOOK
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  const target = el.labels && el.labels[0] && box.width <= 1 ? el.labels[0] : el;
  const shownBox = target.getBoundingClientRect();
  const inside = shownBox.bottom > 0 && shownBox.right > 0 && shownBox.top < innerHeight && shownBox.left < innerWidth;
  const x = Math.min(Math.max(shownBox.left + shownBox.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(shownBox.top + Math.min(shownBox.height / 2, 10), 0), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  const covered = hit && !(target.contains(hit) || el.contains(hit) || hit.contains(el)
    || (el.labels && [...el.labels].some((l) => l.contains(hit))));
  const before = window.__rgaaLooks.get(el);
  return {where: where(el), visible: before === undefined || before !== look(el), inside: inside,
          covered: covered ? where(hit) : null, type: el.getAttribute('type') || '',
          index: [...document.querySelectorAll('*')].indexOf(el)};
}"""
)


def tab_walk(page) -> dict[str, list[str]]:
    """Tab from the top of the page, at most MAX_TABS times or until the focus leaves the
    document: each focused element shows its focus, in view, in document order, and Tab
    moves it on."""
    page.evaluate(_BEFORE_WALK)
    visible, order, trap = [], [], []
    seen: list[str] = []
    previous_index = -1
    repeats = 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        current = page.evaluate(_FOCUSED)
        if current is None:  # past the last element: back to the browser
            break
        if not current["visible"] and current["type"] not in SEGMENTS:
            visible.append(f"{current['where']}: no visible change when it has the focus")
        if not current["inside"]:
            visible.append(f"{current['where']}: focused outside the viewport")
        if current["covered"]:
            visible.append(f"{current['where']}: focused but covered by {current['covered']}")
        if seen and current["where"] == seen[-1] and current["index"] == previous_index:
            repeats += 1
            if repeats >= SEGMENTS.get(current["type"], 1):
                trap.append(f"{current['where']}: Tab does not move the focus on")
                break
            continue
        repeats = 0
        if current["index"] < previous_index:
            if current["where"] == seen[0]:  # past the last element, back to the first
                break
            if current["where"] in seen:
                trap.append(f"{current['where']}: the focus cycles back before leaving the page")
                break
            order.append(f"{current['where']}: reached after {seen[-1]}, before it in the page")
        seen.append(current["where"])
        previous_index = current["index"]
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    return {"focus-visible": visible, "ordre-tabulation": order, "piege-clavier": trap}


# --- Across the pages of a role ------------------------------------------------------------


@dataclass
class Crawl:
    """What the crawl remembers of each page of a role: its title (unique per resource,
    8.6) and its navigation (the same menu and footer links, in the same order, 12.1 and
    12.2)."""

    titles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    navigation: dict[tuple[str, ...], list[str]] = field(default_factory=lambda: defaultdict(list))

    def record(self, page, visit_name: str, resource: str) -> None:
        """``resource``: the URL of the page: after an action, the URL the visit opened (a
        form and its error state, posted to another URL, are one resource); otherwise
        where the browser ended (a redirection leads to the same resource)."""
        path = urlsplit(resource).path
        # A signed link is signed anew (a new timestamp) for each visit: one resource.
        path = re.sub(r"/[^/]*:[^/]*/", "/<signed>/", path)
        self.titles[page.title()].add(path)
        links = page.evaluate(
            """() => [...document.querySelectorAll('#navigation-principale a, footer a')]
            .map((a) => a.getAttribute('href') + ' ' + a.innerText.trim())"""
        )
        self.navigation[tuple(links)].append(visit_name)

    def defects(self) -> dict[str, list[str]]:
        # The same resource (one path: a form and its error state, a list and its filters)
        # keeps its title; two paths never share one.
        titles = [
            f"«{title}» is the title of {len(paths)} different pages: {sorted(paths)[:4]}"
            for title, paths in self.titles.items()
            if len(paths) > 1
        ]
        navigation = []
        if len(self.navigation) > 1:
            usual = max(self.navigation, key=lambda key: len(self.navigation[key]))
            for links, visits in self.navigation.items():
                if links != usual:
                    navigation.append(
                        f"{visits[:4]}: menu and footer links differ from the other pages: "
                        f"{sorted(set(links) ^ set(usual))[:4]}"
                    )
        return {"titre": titles, "navigation-coherente": navigation}


def merged(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    """The defects of several runs of checks, by check."""
    result: dict[str, list[str]] = defaultdict(list)
    for part in parts:
        for check, found in part.items():
            result[check] += found
    return result


def report(role: str, visit: str, url: str, defects: dict[str, list[str]]) -> list[str]:
    """The failure lines of a page: each defect not accepted, with its check and criteria."""
    lines = []
    for check, found in defects.items():
        for defect in found:
            if not accepted(check, role, visit, defect):
                criteria = ", ".join(CHECKS[check])
                lines.append(f"{role} / {visit} ({url}) [{check}, RGAA {criteria}]: {defect}")
    return lines


def criteria_of(*checks: str) -> tuple[str, ...]:
    return tuple(sorted({c for check in checks for c in CHECKS[check]}, key=_criterion_key))


def _criterion_key(criterion: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", criterion))
