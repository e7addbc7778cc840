from common.terms import content_terms, document_frequencies


def test_document_frequencies_equal_counting_content_terms_per_text():
    texts = ["De investering: het Rijk investeert 25 miljoen, geïnvesteerd in Zwolle-Enschede.",
             "Investeringen in Enschede en Hengelo; vier actielijnen en 4 programma's.",
             "Café Naïef in Enschede", "", "de het een"]
    naive: dict[str, int] = {}
    for text in texts:
        for t in set(content_terms(text)):
            naive[t] = naive.get(t, 0) + 1
    assert document_frequencies(texts) == naive
    assert document_frequencies(iter(texts)) == naive  # a generator is enough


def test_content_terms_fold_hyphens_numbers_and_stop_words():
    assert content_terms("vier actielijnen") == content_terms("4 actielijnen")
    assert set(content_terms("Zwolle-Enschede")) >= set(content_terms("Enschede"))
    assert content_terms("wat is de de het") == []
