from common.substance import fact_tokens, same_substance


def test_fact_words():
    words, facts = fact_tokens("Op vrijdag sluit de Bibliotheek niet om 16.00 uur in Enschede; ROC en drie scholen.")
    flagged = {w for w, f in zip(words, facts) if f}
    assert flagged == {"vrijdag", "bibliotheek", "niet", "16", "00", "enschede", "roc", "drie"}
    assert "op" not in flagged  # capitalised only because it starts the sentence


def test_another_figure_or_name_is_another_fact():
    # the rule ingest's dedupe and the retriever's diversity filter share
    text = "Het loket in Enschede is op vrijdag open tot 16.00 uur voor alle ondernemers uit de regio."
    assert same_substance(text, [text])
    assert same_substance(text.replace("alle ondernemers", "alle ondernemers en"), [text])
    assert not same_substance(text.replace("16.00", "20.00"), [text])
    assert not same_substance(text.replace("Enschede", "Hengelo"), [text])
