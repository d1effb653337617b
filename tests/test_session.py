"""spark_signature.session: Delta in the session, conf-file parsing, and where the jar cache lives."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
from chispa import assert_df_equality

from spark_signature import compat
from spark_signature import session as S
from spark_signature.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------------
# The session
# --------------------------------------------------------------------------------------------------


@pytest.mark.delta
def test_session_has_delta_utc_and_arrow(spark) -> None:
    conf = spark.sparkContext.getConf()
    assert S.DELTA_EXTENSION in conf.get("spark.sql.extensions").split(",")
    assert conf.get("spark.sql.catalog.spark_catalog") == S.DELTA_CATALOG
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    assert spark.sparkContext.master == "local[2]"
    group, artifact, version = S.delta_coordinates().split(":")
    assert version == metadata.version("delta-spark")
    assert f"{group}_{artifact}-{version}.jar" in conf.get("spark.jars", "")
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    assert os.environ["PYSPARK_DRIVER_PYTHON"] == sys.executable


@pytest.mark.delta
def test_session_uses_cached_jars_without_packages(spark) -> None:
    """Once jars are cached, starts go through spark.jars only: no Ivy, no network."""
    if S.cached_delta_jars() is None:
        pytest.skip("jars were resolved by this very run; run `make setup` first to test the cached path")
    conf = spark.sparkContext.getConf()
    if conf.get("spark.jars.packages", None):
        pytest.skip("this session was the first start (it resolved the jars)")
    jars = conf.get("spark.jars").split(",")
    assert all(any(str(jar) in j for j in jars) for jar in S.cached_delta_jars())


def test_delta_table_round_trip(spark, delta_path: Callable[[str], str]) -> None:
    from delta.tables import DeltaTable
    from pyspark.sql import types as T

    schema = T.StructType(
        [
            T.StructField("id", T.LongType(), False),
            T.StructField("score", T.DoubleType(), True),
            T.StructField("label", T.StringType(), True),
        ]
    )
    rows = [(1, 0.5, "a"), (2, None, "b"), (3, 2.25, None), (4, -1.0, "d")]
    df = spark.createDataFrame(rows, schema).repartition(2)
    path = delta_path("round_trip")

    df.write.format("delta").mode("overwrite").save(path)
    back = spark.read.format("delta").load(path)

    assert DeltaTable.isDeltaTable(spark, path)
    assert_df_equality(back, df, ignore_row_order=True, ignore_nullable=True)
    # Also through the Delta catalog (SQL on a path), which needs the session extension.
    assert spark.sql(f"SELECT count(*) AS n FROM delta.`{path}`").first()["n"] == len(rows)


def test_get_spark_returns_the_running_session(spark) -> None:
    assert S.under_spark_submit()
    assert S.get_spark() is spark


def test_bad_conf_file_fails_before_the_jvm(tmp_path: Path) -> None:
    """In a fresh interpreter (no running JVM) get_spark refuses a malformed conf file up front."""
    bad = tmp_path / "spark-defaults.conf"
    bad.write_text("spark.master local[1]\nspark.sql.shuffle.partitions\n", encoding="utf-8")
    env = {**os.environ, S.CONF_ENV: str(bad)}
    env.pop("PYSPARK_GATEWAY_PORT", None)
    code = (
        "from spark_signature.errors import ConfigError\n"
        "from spark_signature.session import get_spark\n"
        "try:\n    get_spark()\nexcept ConfigError as e:\n    print('ConfigError:', e.path)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"ConfigError: {bad}, line 2" in out.stdout


# --------------------------------------------------------------------------------------------------
# conf/spark-defaults.conf
# --------------------------------------------------------------------------------------------------


def test_parse_conf_accepts_spark_defaults_syntax() -> None:
    text = """
    # a comment
    ! also a comment (java.util.Properties)
    spark.master                 local[3]
    spark.a=1
    spark.b : two words
    spark.c\tx # not a comment: Java keeps it in the value

    spark.a   3
    """
    assert S.parse_conf(text) == {
        "spark.master": "local[3]",
        "spark.a": "3",  # last one wins, as in Java
        "spark.b": "two words",
        "spark.c": "x # not a comment: Java keeps it in the value",
    }


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("spark.sql.shuffle.partitions", "expected 'key value'"),
        ("spark.sql.shuffle.partitions   ", "expected 'key value'"),
        ("spark.x =", "expected 'key value'"),
        ("sparkmaster local[2]", "does not start with 'spark.'"),
        ("spark.driver.extraJavaOptions -Da=1 \\", "line continuations"),
    ],
)
def test_parse_conf_refuses_malformed_lines(line: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        S.parse_conf(f"spark.master local[2]\n{line}\n", source="my.conf")
    assert needle in str(info.value)
    assert info.value.path == "my.conf, line 2"


def test_read_conf_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read Spark conf file"):
        S.read_conf_file(tmp_path / "missing.conf")
    with pytest.raises(ConfigError, match="cannot read Spark conf file"):
        S.read_conf_file(tmp_path)  # a directory
    latin1 = tmp_path / "latin1.conf"
    latin1.write_bytes(b"spark.app.name caf\xe9\n")
    with pytest.raises(ConfigError, match="cannot read Spark conf file"):
        S.read_conf_file(latin1)


def test_project_conf_file_configures_delta() -> None:
    conf = S.read_conf_file(REPO / "conf" / "spark-defaults.conf")
    assert conf["spark.sql.extensions"] == S.DELTA_EXTENSION
    assert conf["spark.sql.catalog.spark_catalog"] == S.DELTA_CATALOG
    assert conf["spark.sql.session.timeZone"] == "UTC"


# --------------------------------------------------------------------------------------------------
# Settings precedence (pure)
# --------------------------------------------------------------------------------------------------


def test_build_conf_precedence_and_cached_jars(tmp_path: Path) -> None:
    jars = [tmp_path / "a.jar", tmp_path / "b.jar"]
    conf = S.build_conf(
        app_name="app",
        master="local[1]",
        conf={"spark.sql.shuffle.partitions": 2, "spark.ui.enabled": False, "spark.jars": "/x/extra.jar"},
        file_conf={
            "spark.master": "local[4]",
            "spark.sql.shuffle.partitions": "8",
            "spark.sql.extensions": "com.example.Ext",
        },
        jars=jars,
    )
    assert conf["spark.master"] == "local[1]"
    assert conf["spark.app.name"] == "app"
    assert conf["spark.sql.shuffle.partitions"] == "2"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.extensions"] == f"com.example.Ext,{S.DELTA_EXTENSION}"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.jars"] == f"/x/extra.jar,{jars[0]},{jars[1]}"
    assert "spark.jars.packages" not in conf
    assert "spark.jars.ivy" not in conf


@pytest.mark.delta
def test_build_conf_first_start_resolves_packages_into_cache(tmp_path: Path) -> None:
    conf = S.build_conf(cache=tmp_path / "cache")
    assert conf["spark.master"] == S.DEFAULT_MASTER
    assert conf["spark.jars.packages"] == S.delta_coordinates()
    assert conf["spark.jars.ivy"] == str(tmp_path / "cache" / "ivy")
    assert "spark.jars" not in conf


@pytest.mark.delta
def test_delta_coordinates_follow_the_pip_packages() -> None:
    """The jar follows the installed delta-spark AND pyspark: Scala 2.12 for Spark 3.5, 2.13 for 4.x."""
    import pyspark

    version = metadata.version("delta-spark")
    assert S.delta_version() == version
    scala = "2.12" if pyspark.__version__.startswith("3.") else "2.13"
    spark_line = ".".join(pyspark.__version__.split(".")[:2])
    suffix = scala if compat.parse_version(version) < (4, 1, 0) else f"{spark_line}_{scala}"
    assert S.delta_coordinates() == f"io.delta:delta-spark_{suffix}:{version}"


# --------------------------------------------------------------------------------------------------
# Cache location and the jar manifest (no network)
# --------------------------------------------------------------------------------------------------


def _fake_checkout(root: Path, name: str = "spark_signature") -> Path:
    (root / "spark_signature").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n', encoding="utf-8")
    return root / "spark_signature"


def test_cache_dir_env_override_wins(tmp_path: Path) -> None:
    package = _fake_checkout(tmp_path / "repo")
    env = {S.CACHE_ENV: str(tmp_path / "elsewhere")}
    assert S.cache_dir(env=env, package_dir=package, home=tmp_path) == (tmp_path / "elsewhere").resolve()


def test_cache_dir_in_source_checkout_is_project_local(tmp_path: Path) -> None:
    package = _fake_checkout(tmp_path / "repo")
    assert S.source_checkout(package) == tmp_path / "repo"
    assert S.cache_dir(env={}, package_dir=package, home=tmp_path / "home") == tmp_path / "repo" / ".cache"


def test_cache_dir_when_installed_is_in_home(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "spark_signature"
    package.mkdir(parents=True)
    assert S.source_checkout(package) is None
    home = tmp_path / "home"
    assert S.cache_dir(env={S.CACHE_ENV: "  "}, package_dir=package, home=home) == (home / ".cache" / "spark_signature")


def test_other_projects_pyproject_is_not_a_checkout(tmp_path: Path) -> None:
    package = _fake_checkout(tmp_path / "repo", name="someone_else")
    assert S.source_checkout(package) is None


def test_this_repository_is_a_checkout() -> None:
    assert S.source_checkout() == REPO
    assert S.default_conf_file(env={}) == REPO / "conf" / "spark-defaults.conf"


def _spark_jars_after_ivy(cache: Path, version: str = "9.9.9") -> tuple[str, list[Path]]:
    jars_dir = cache / "ivy" / "jars"
    jars_dir.mkdir(parents=True)
    names = [f"io.delta_delta-spark_2.13-{version}.jar", f"io.delta_delta-storage-{version}.jar"]
    jars = [jars_dir / name for name in names]
    for jar in jars:
        jar.write_bytes(b"PK")
    # What the JVM reports: file: URIs of the retrieved jars, plus anything the caller added.
    return ",".join([*(jar.as_uri() for jar in jars), "file:/opt/other.jar"]), jars


def test_manifest_round_trip(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    coords = "io.delta:delta-spark_2.13:9.9.9"
    assert S.cached_delta_jars(cache, coords) is None
    spark_jars, jars = _spark_jars_after_ivy(cache)

    assert S._record_jars(cache, coords, spark_jars) == [j.resolve() for j in jars]
    assert S.cached_delta_jars(cache, coords) == [j.resolve() for j in jars]
    assert S.cached_delta_jars(cache, "io.delta:delta-spark_2.13:1.0.0") is None  # other version

    jars[1].unlink()  # a half-deleted cache must trigger a new resolution, not a broken classpath
    assert S.cached_delta_jars(cache, coords) is None


def test_manifest_refuses_a_resolution_without_the_delta_jar(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    spark_jars, _ = _spark_jars_after_ivy(cache, version="1.0.0")
    with pytest.raises(ConfigError, match="did not retrieve"):
        S._record_jars(cache, "io.delta:delta-spark_2.13:9.9.9", spark_jars)


@pytest.mark.delta
def test_cli_prints_cached_jars_and_submit_args(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    version = S.delta_version()
    spark_jars, jars = _spark_jars_after_ivy(cache, version=version)
    S._record_jars(cache, S.delta_coordinates(), spark_jars)
    monkeypatch.setenv(S.CACHE_ENV, str(cache))
    monkeypatch.delenv(S.CONF_ENV, raising=False)

    assert S.main(["--resolve"]) == 0
    assert capsys.readouterr().out.split() == [str(j.resolve()) for j in jars]

    assert S.main(["--submit-args"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "--properties-file",
        str(REPO / "conf" / "spark-defaults.conf"),
        "--jars",
        ",".join(str(j.resolve()) for j in jars),
    ]


@pytest.mark.delta
def test_cli_reports_bad_conf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    spark_jars, _ = _spark_jars_after_ivy(cache, version=S.delta_version())
    S._record_jars(cache, S.delta_coordinates(), spark_jars)
    monkeypatch.setenv(S.CACHE_ENV, str(cache))
    monkeypatch.setenv(S.CONF_ENV, str(tmp_path / "nope.conf"))
    assert S.main(["--submit-args"]) == 2
    assert "cannot read Spark conf file" in capsys.readouterr().err


def test_resolution_lock_is_reentrant_and_released(tmp_path: Path) -> None:
    """resolve_delta_jars holds the lock across get_spark, which takes it again: no self-deadlock."""
    cache = tmp_path / "cache"
    with S._resolution_lock(cache), S._resolution_lock(cache):
        assert S._held_locks[cache.resolve()] == 2
    assert cache.resolve() not in S._held_locks
    assert (cache / ".resolve.lock").is_file()


# --------------------------------------------------------------------------------------------------
# Which Delta jar fits which pyspark (pure: no other versions need to be installed)
# --------------------------------------------------------------------------------------------------

DELTA_33_REQUIRES = "pyspark<3.6.0,>=3.5.3"
DELTA_44_REQUIRES = "pyspark<=4.2.0,>=4.0.1"


@pytest.mark.parametrize(
    ("spark", "delta", "requires", "coordinates"),
    [
        ("3.5.9", "3.3.3", DELTA_33_REQUIRES, "io.delta:delta-spark_2.12:3.3.3"),
        ("3.5.3", "3.3.2", "pyspark (<3.6.0,>=3.5.3)", "io.delta:delta-spark_2.12:3.3.2"),
        ("3.5.0", "3.2.1", None, "io.delta:delta-spark_2.12:3.2.1"),
        ("4.0.5", "4.0.1", "pyspark (>=4.0.0)", "io.delta:delta-spark_2.13:4.0.1"),
        # From Delta 4.1 on, the artifact names the Spark line: one jar per line in one release.
        ("4.0.5", "4.4.0", DELTA_44_REQUIRES, "io.delta:delta-spark_4.0_2.13:4.4.0"),
        ("4.1.1", "4.3.1", "pyspark<=4.1.1,>=4.0.1", "io.delta:delta-spark_4.1_2.13:4.3.1"),
        ("4.1.4", "4.4.0", DELTA_44_REQUIRES, "io.delta:delta-spark_4.1_2.13:4.4.0"),
        ("4.2.0", "4.4.0", DELTA_44_REQUIRES, "io.delta:delta-spark_4.2_2.13:4.4.0"),
        # A Delta line newer than the table: trusted as far as its own metadata says.
        ("4.3.0", "4.5.0", "pyspark<=4.3.0,>=4.1.0", "io.delta:delta-spark_4.3_2.13:4.5.0"),
    ],
)
def test_delta_artifact_for_each_pair(spark: str, delta: str, requires: str | None, coordinates: str) -> None:
    assert S.delta_artifact(spark, delta, requires) == coordinates


@pytest.mark.parametrize(
    ("spark", "delta", "requires", "why", "fix"),
    [
        # pyspark 3.5 with the Delta of the default pair: the classic mismatch
        ("3.5.9", "4.0.1", "pyspark (>=4.0.0)", "Delta 4.0.x is built for Spark 4.0, this pyspark is Spark 3.5",
         "Keep pyspark 3.5.9 and install its Delta: pip install 'delta-spark==3.3.3'"),
        ("4.0.5", "3.3.3", DELTA_33_REQUIRES, "Delta 3.3.x is built for Spark 3.5, this pyspark is Spark 4.0",
         "pip install 'delta-spark==4.0.1' (or 'spark_signature[delta40]')"),
        # delta-spark 4.0.x declares pyspark>=4.0.0 only, so pip lets it sit next to Spark 4.3
        ("4.3.0", "4.0.1", "pyspark (>=4.0.0)", "built for Spark 4.0, this pyspark is Spark 4.3",
         "No Delta Lake release is built for Spark 4.3 yet"),
        ("4.3.0", "4.4.0", DELTA_44_REQUIRES, "built for Spark 4.0, 4.1, 4.2, this pyspark is Spark 4.3",
         "pip install 'pyspark==4.2.0' 'delta-spark==4.4.0'"),
        # right line, but delta-spark's own pyspark range says no (e.g. after `pip install pyspark==4.2.1`)
        ("4.2.1", "4.4.0", DELTA_44_REQUIRES, "delta-spark 4.4.0 itself requires pyspark<=4.2.0,>=4.0.1",
         "Install a matching pair: pip install 'pyspark==4.2.0' 'delta-spark==4.4.0'"),
        ("3.5.1", "3.3.3", DELTA_33_REQUIRES, "itself requires pyspark<3.6.0,>=3.5.3",
         "pip install 'pyspark>=3.5.3,<3.6' 'delta-spark==3.3.3' (or 'spark_signature[delta35]')"),
        ("4.0.5", "2.4.0", None, "Delta 2.4.x is built for a Spark line before 3.5", "delta-spark==4.0.1"),
    ],
)
def test_mismatched_pair_is_one_clear_error(spark: str, delta: str, requires: str | None, why: str, fix: str) -> None:
    with pytest.raises(ConfigError) as info:
        S.delta_artifact(spark, delta, requires)
    err = info.value
    message = str(err)
    assert message.startswith(f"delta-spark {delta} does not fit pyspark {spark}: ")
    assert why in message
    assert err.hint is not None and fix in err.hint
    assert err.found == f"pyspark {spark}, delta-spark {delta}"


def test_spark_43_hint_offers_running_without_delta() -> None:
    with pytest.raises(ConfigError) as info:
        S.delta_artifact("4.3.0", "4.4.0", DELTA_44_REQUIRES)
    assert "pip uninstall delta-spark" in str(info.value)


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_delta_extras_match_the_pairs_the_session_recommends() -> None:
    """pyproject's deltaXY extras and DELTA_FOR_SPARK say the same thing; each extra keeps its line."""
    from packaging.requirements import Requirement

    extras = _pyproject()["project"]["optional-dependencies"]
    delta_extras = {name: extra for name, extra in extras.items() if name.startswith("delta")}
    recommended = {line: pair for line, pair in S.DELTA_FOR_SPARK.items() if pair is not None}
    assert set(delta_extras) == {f"delta{major}{minor}" for major, minor in recommended}
    for (major, minor), (pyspark_req, delta_pin) in recommended.items():
        reqs = {r.name: r for r in map(Requirement, delta_extras[f"delta{major}{minor}"])}
        assert set(reqs) == {"pyspark", "delta-spark"}
        assert str(reqs["pyspark"].specifier) == str(Requirement(pyspark_req).specifier)
        assert reqs["delta-spark"].specifier.contains(delta_pin)
        # the extra only admits pyspark of its own line, and the recommended pair is accepted
        assert not reqs["pyspark"].specifier.contains(f"{major}.{minor + 1}.0")
        lowest = f"{major}.{minor}.9" if not reqs["pyspark"].specifier.contains(f"{major}.{minor}.0") else None
        version = lowest or f"{major}.{minor}.0"
        if reqs["pyspark"].specifier.contains(version):
            S.delta_artifact(version, delta_pin)
    assert S.DELTA_FOR_SPARK[compat.NEWEST_SPARK_LINE] is None  # no Delta for Spark 4.3 (yet)


def _constraints() -> dict[str, dict[str, str]]:
    pins: dict[str, dict[str, str]] = {}
    for path in sorted((REPO / "constraints").glob("*.txt")):
        entry: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# extras:"):
                entry["extras"] = line.split(":", 1)[1].strip()
            elif "==" in line and not line.startswith("#"):
                name, version = line.split("==")
                entry[name.strip()] = version.strip()
        pins[path.stem] = entry
    return pins


def test_every_constraints_file_is_a_pair_the_session_accepts() -> None:
    """Each pinned environment (default, oldest, newest, ...) is coherent: Delta jar found for its pyspark,
    its extras name that pyspark line's Delta extra (or none), and its pins fit pyproject's ranges."""
    from packaging.requirements import Requirement

    project = _pyproject()["project"]
    ranges = {r.name: r.specifier for r in map(Requirement, project["dependencies"])}
    pins = _constraints()
    assert {"default", "oldest", "newest"} <= set(pins)
    for name, entry in pins.items():
        extras = entry["extras"].split(",")
        assert "test" in extras, name
        for package in ("pyspark", "pandas", "numpy", "pyarrow"):
            assert ranges[package].contains(entry[package]), (name, package)
        major, minor = compat.spark_line(entry["pyspark"])
        delta_extras = [e for e in extras if e.startswith("delta")]
        if "delta-spark" in entry:
            assert delta_extras == [f"delta{major}{minor}"], name
            S.delta_artifact(entry["pyspark"], entry["delta-spark"])
            for req in map(Requirement, project["optional-dependencies"][delta_extras[0]]):
                assert req.specifier.contains(entry[req.name]), (name, req)
        else:
            assert delta_extras == [], name
    assert compat.spark_line(pins["oldest"]["pyspark"]) == compat.OLDEST_SPARK_LINE
    assert compat.spark_line(pins["newest"]["pyspark"]) == compat.NEWEST_SPARK_LINE
    assert pins["oldest"]["pandas"].startswith("2.")


def test_build_conf_without_delta_drops_it_from_every_source() -> None:
    file_conf = S.read_conf_file(REPO / "conf" / "spark-defaults.conf")  # names Delta's extension and catalog
    conf = S.build_conf(
        file_conf=file_conf,
        conf={"spark.sql.extensions": f"com.example.Ext,{S.DELTA_EXTENSION}"},
        delta=False,
    )
    assert conf["spark.sql.extensions"] == "com.example.Ext"
    assert "spark.sql.catalog.spark_catalog" not in conf
    assert not any(key.startswith("spark.jars") for key in conf)
    assert conf["spark.sql.session.timeZone"] == "UTC"
    bare = S.build_conf(delta=False)
    assert "spark.sql.extensions" not in bare


def _fake_delta_dist(site: Path, version: str, requires: str) -> None:
    """A delta-spark distribution as pip leaves it, found before the real one on sys.path."""
    info = site / f"delta_spark-{version}.dist-info"
    info.mkdir(parents=True)
    info.joinpath("METADATA").write_text(
        f"Metadata-Version: 2.1\nName: delta-spark\nVersion: {version}\nRequires-Dist: {requires}\n",
        encoding="utf-8",
    )


def test_mismatched_delta_in_a_venv_fails_before_the_jvm(tmp_path: Path) -> None:
    """`make setup` and get_spark() both stop with the one error naming the pair, and no JVM starts."""
    import pyspark

    on_35 = pyspark.__version__.startswith("3.")
    wrong, requires = ("4.0.1", "pyspark>=4.0.0") if on_35 else ("3.3.3", DELTA_33_REQUIRES)
    _fake_delta_dist(tmp_path / "site", wrong, requires)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYSPARK_GATEWAY_PORT", None)
    env[S.CACHE_ENV] = str(tmp_path / "cache")

    cli = subprocess.run(
        [sys.executable, "-m", "spark_signature.session", "--resolve"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert cli.returncode == 2, cli.stderr
    assert f"error: delta-spark {wrong} does not fit pyspark {pyspark.__version__}" in cli.stderr
    assert ("delta-spark==3.3.3" if on_35 else "delta-spark==4.0.1") in cli.stderr
    assert not (tmp_path / "cache" / "ivy").exists()  # nothing resolved, no JVM started

    code = (
        "import sys\n"
        "from spark_signature.errors import ConfigError\n"
        "from spark_signature.session import get_spark\n"
        "try:\n    get_spark()\nexcept ConfigError as e:\n    print('ConfigError:', e.found)\n"
        "from pyspark import SparkContext\n"
        "print('jvm' if SparkContext._active_spark_context else 'no jvm')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"ConfigError: pyspark {pyspark.__version__}, delta-spark {wrong}", "no jvm"]
