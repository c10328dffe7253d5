"""One visible-text rule: the reader's paragraph text is what the commented copy covers."""

from __future__ import annotations

import pytest
from paths import DATA

from citeaudit.plugins.docx.package import Package, w
from citeaudit.plugins.docx.text import visible
from citeaudit.plugins.docx.walk import Reader

DRAFTS = sorted(DATA.rglob("*.docx"))


@pytest.mark.parametrize("path", DRAFTS, ids=lambda p: p.name)
def test_reader_and_copy_see_the_same_text(path):
    package = Package.open(path)
    main = package.main_part()
    part = Reader(package, main).read_part(main, None)
    paragraphs = list(package.xml(main).iter(w("p")))
    # Every w:p counts for the index; one in an mc:Fallback (a text box's copy) is never read.
    assert set(part.paragraphs) <= set(range(len(paragraphs))) and part.paragraphs
    for index, paragraph in part.paragraphs.items():
        assert "".join(c.char for c in visible(paragraphs[index])) == paragraph.text, (path.name, index)


def test_field_instructions_and_deletions_are_not_visible():
    from lxml import etree

    xml = (f'<w:p xmlns:w="{w("x")[1:].split("}")[0]}"><w:r><w:t>a</w:t></w:r>'
           '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>ADDIN X</w:instrText></w:r>'
           '<w:r><w:t>hidden</w:t></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
           '<w:r><w:t>[1]</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
           '<w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:ins><w:r><w:t>b</w:t><w:tab/></w:r></w:ins>'
           '</w:p>')
    assert "".join(c.char for c in visible(etree.fromstring(xml))) == "a[1]b\t"
