"""collectstatic without the parts of the DSFR distribution that no page loads.

django-dsfr ships DSFR's whole ``dist`` folder (1,609 files, 17 MB): the two bundles the
pages link (``dist/dsfr/dsfr.min.css`` and ``.module/.nomodule.min.js``, with the utility
classes of ``dist/utility/utility.min.css``), the icons, fonts, favicons and artwork they
reference, and beside them each component's own stylesheet and script, the legacy, print and
"main" variants of each bundle, copies at the root of ``dist`` and READMEs. The production
storage hashes and compresses (gzip and Brotli) everything collected, so each unused file cost
build time and image size. The browser tests on the production stack fail on any stylesheet,
script, font or image a page asks for and does not get (tests/e2e/conftest.py AssetWatch),
and collectstatic itself fails if a collected stylesheet points at a file left out.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.staticfiles.finders import AppDirectoriesFinder

DSFR_UNUSED = [
    # Each component, core and layout part on its own: the bundles hold them all.
    "dsfr/dist/component/*",
    "dsfr/dist/core/*",
    "dsfr/dist/layout/*",
    "dsfr/dist/legacy/*",
    "dsfr/dist/scheme/*",
    "dsfr/dist/analytics/*",
    # The utility classes by family (utility.min.css has them all).
    "dsfr/dist/utility/colors/*",
    "dsfr/dist/utility/icons/*",
    "dsfr/dist/utility/pictograms/*",
    # The pictograms and backgrounds: only the theme dialog's three artworks are shown.
    "dsfr/dist/artwork/pictograms/*",
    "dsfr/dist/artwork/background/*",
    # Copies of the bundles at the root of dist/, and the variants no page links.
    "dsfr/dist/dsfr.*",
    "dsfr/dist/*.legacy.min.css",
    "dsfr/dist/*.main.min.css",
    "dsfr/dist/*.print.min.css",
    "dsfr/dist/*.md",
]


class PortalAppDirectoriesFinder(AppDirectoriesFinder):
    """The apps' static files as Django finds them, but for collectstatic's list, without
    DSFR_UNUSED. Serving a file by its name (``find``) is unchanged: the development server
    and the tests' live server still answer for any of them. (Django's other documented way,
    a StaticFilesConfig with more ``ignore_patterns`` in INSTALLED_APPS, hides the app's
    usual name, which pytest-django looks for before serving static files at all.)"""

    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[Any]:
        return super().list([*(ignore_patterns or []), *DSFR_UNUSED])
