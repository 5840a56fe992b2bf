from movieweb_shared.text import clean, fold, search_words


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  Amélie   POULAIN ") == "amelie poulain"
    assert fold("Straße") == "strasse"
    assert fold("Ｈｅａｔ") == "heat"  # full-width letters (NFKD)


def test_search_words_split_on_punctuation() -> None:
    assert search_words("Léon: The Professional (1994)") == ["leon", "the", "professional", "1994"]
    assert search_words("snake_case") == ["snake", "case"]


def test_clean_keeps_case_and_accents() -> None:
    assert clean("  Le  Fabuleux\tDestin d’Amélie ") == "Le Fabuleux Destin d’Amélie"
