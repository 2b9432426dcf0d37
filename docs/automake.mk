man7_MANS = docs/megaflower.7
dist_doc_DATA = docs/design.md docs/notes.md docs/reliability.md \
	docs/geneve-decap-options.md
EXTRA_DIST += $(man7_MANS)
