"""The lower layer of medsearch: articles, the Whoosh schema, index storage, `index`."""
