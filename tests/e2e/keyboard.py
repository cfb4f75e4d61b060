"""Drive a page with the keyboard only: Tab / Shift+Tab to reach a control, Enter or Space to
use it, typed keys to fill it. Every control reached is checked for a visible focus
indicator."""

MAX_TABS = 150

# What has the focus, how it is named, and whether its focus is drawn: an outline or a
# box-shadow on the element or its ::before/::after (DSFR's enlarged links), or (DSFR radios
# and checkboxes hide the native input) on its label or the label's ::before.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const drawn = (style) => style && (
    (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || (style.boxShadow && style.boxShadow !== 'none'));
  let visible = drawn(getComputedStyle(el)) || drawn(getComputedStyle(el, '::before'))
    || drawn(getComputedStyle(el, '::after'));
  const label = el.labels && el.labels[0];
  if (!visible && label) {
    visible = drawn(getComputedStyle(label)) || drawn(getComputedStyle(label, '::before'));
  }
  const name = (el.getAttribute('aria-label') || (label && label.innerText)
                || el.innerText || el.value || '').replace(/\\s+/g, ' ').trim();
  return {tag: el.tagName.toLowerCase(), id: el.id, name: name, visible: visible,
          type: el.getAttribute('type') || ''};
}"""


def focused(page) -> dict | None:
    return page.evaluate(_FOCUSED)


def tab_to(page, name: str, *, backwards: bool = False, exact: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused control's name contains ``name`` (or is
    it). Fails if it is never reached, or if a control on the way shows no focus."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        current = focused(page)
        if current is None:
            continue
        assert current["visible"], f"no visible focus indicator on {current}"
        seen.append(current["name"][:40])
        if (current["name"] == name) if exact else (name in current["name"]):
            return current
    raise AssertionError(f"{name!r} is not reachable with {key}; reached: {seen}")


def fill(page, label: str, text: str) -> None:
    """Reach the field labelled ``label``, select what it holds and type ``text``."""
    tab_to(page, label)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page, label: str, value: str, *, backwards: bool = False) -> None:
    """Reach a <select> and move through its options with the arrow keys to ``value``."""
    tab_to(page, label, backwards=backwards)
    page.keyboard.press("Home")
    for _ in range(60):
        if page.evaluate("document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} of {label!r} not reached with the arrow keys")


def activate(page, name: str, key: str = "Enter", *, exact: bool = False) -> None:
    """Reach a button or link and press Enter (or Space), waiting for the page it loads."""
    tab_to(page, name, exact=exact)
    with page.expect_navigation():
        page.keyboard.press(key)


def start(page, url: str) -> None:
    """Load a page; the keyboard then starts from the top of the document."""
    page.goto(url)
    page.evaluate("document.activeElement && document.activeElement.blur()")
