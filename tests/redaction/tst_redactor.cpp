#include "redaction/Redactor.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ea;

// The built-in detectors, user rules, and the JSON rewriting that must keep its input valid.
class TestRedactor : public QObject
{
    Q_OBJECT

    static QJsonObject parse(const QByteArray& json)
    {
        QJsonParseError e{};
        const QJsonDocument d = QJsonDocument::fromJson(json, &e);
        if (e.error != QJsonParseError::NoError)
            qWarning() << "invalid JSON:" << e.errorString() << json.left(400);
        return d.object();
    }

private Q_SLOTS:
    void builtInDetectors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("rule");
        QTest::newRow("anthropic") << "key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789 ok"
                                   << "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"
                                   << "anthropic_api_key";
        QTest::newRow("openai project") << "OPENAI sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 x"
                                        << "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
                                        << "openai_api_key";
        QTest::newRow("openai") << "sk-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
                                << "sk-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
                                << "openai_api_key";
        QTest::newRow("aws access key") << "id AKIAIOSFODNN7EXAMPLE here"
                                        << "AKIAIOSFODNN7EXAMPLE"
                                        << "aws_access_key";
        QTest::newRow("aws secret named")
            << "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            << "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            << "aws_secret_key";
        QTest::newRow("github classic") << "ghp_0123456789abcdefghijABCDEFGHIJ012345"
                                        << "ghp_0123456789abcdefghijABCDEFGHIJ012345"
                                        << "github_token";
        QTest::newRow("github app") << "t=ghs_0123456789abcdefghijABCDEFGHIJ012345;"
                                    << "ghs_0123456789abcdefghijABCDEFGHIJ012345"
                                    << "github_token";
        QTest::newRow("github pat") << "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"
                                    << "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"
                                    << "github_token";
        QTest::newRow("slack") << "xoxp-1234567890-abcdefghij"
                               << "xoxp-1234567890-abcdefghij"
                               << "slack_token";
        QTest::newRow("jwt") << "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghij"
                             << "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghij"
                             << "jwt";
        QTest::newRow("bearer") << "curl -H 'Authorization: Bearer abc123def456ghi'"
                                << "abc123def456ghi"
                                << "bearer_token";
        QTest::newRow("authorization basic") << "Authorization: Basic dXNlcjpwYXNzd29yZA=="
                                             << "dXNlcjpwYXNzd29yZA=="
                                             << "authorization_header";
        QTest::newRow("url password") << "git clone https://bob:s3cr3t-pw@git.example.com/r.git"
                                      << "s3cr3t-pw"
                                      << "url_password";
        QTest::newRow("url password with @") << "postgres://app:p@ss@db:5432/x"
                                             << "p@ss"
                                             << "url_password";
        QTest::newRow("env token") << "export DEPLOY_TOKEN=abcdef123456 && make"
                                   << "abcdef123456"
                                   << "env_secret";
        QTest::newRow("env password quoted") << "DB_PASSWORD=\"two words\"\n"
                                             << "two words"
                                             << "env_secret";
        QTest::newRow("env api key") << "OPENAI_API_KEY='qwerty12345'"
                                     << "qwerty12345"
                                     << "env_secret";
        QTest::newRow("json field in text") << "{\"password\": \"hunter22\"}"
                                            << "hunter22"
                                            << "secret_field";
        QTest::newRow("yaml field") << "db:\n  password: hunter22\n"
                                    << "hunter22"
                                    << "secret_field";
        QTest::newRow("pem") << "x\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAA\n"
                                "-----END OPENSSH PRIVATE KEY-----\ny"
                             << "b3BlbnNzaC1rZXk"
                             << "private_key";
        QTest::newRow("pem without end") << "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n"
                                         << "MIIEvQIBADANBgkq"
                                         << "private_key";
    }

    void builtInDetectors()
    {
        QFETCH(QString, text);
        QFETCH(QString, secret);
        QFETCH(QString, rule);
        RedactionManifest m;
        const QString out = Redactor().redactText(text, &m);
        QVERIFY2(!out.contains(secret), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("[REDACTED:%1]").arg(rule)), qPrintable(out));
        QCOMPARE(m.countOf(rule), 1);
        QCOMPARE(m.total(), 1);
    }

    void leavesOrdinaryTextAlone_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("prose") << "Use bearer authentication with a token from the vault.";
        QTest::newRow("max_tokens") << "client.create(max_tokens=4096, model=m)";
        QTest::newRow("comparison") << "if token == expected:";
        QTest::newRow("variable") << "API_KEY=$OPENAI_API_KEY ./run.sh";
        QTest::newRow("task ids") << "task-management-service-configuration-loader";
        QTest::newRow("url without password") << "https://user@example.com/path?q=1";
    }

    void leavesOrdinaryTextAlone()
    {
        QFETCH(QString, text);
        RedactionManifest m;
        QCOMPARE(Redactor().redactText(text, &m), text);
        QCOMPARE(m.total(), 0);
    }

    void jsonStringsAreUnescapedBeforeMatching()
    {
        // \u0041KIA... is AKIA...; a key block joined by \n escapes is one block.
        const QByteArray in = "{\"cmd\":\"echo \\u0041KIAIOSFODNN7EXAMPLE\",\"out\":\"-----BEGIN "
                              "RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\nabcdEFGH\\n-----END RSA "
                              "PRIVATE KEY-----\\n\",\"n\":12345678901234567890}";
        RedactionManifest m;
        const QByteArray out = Redactor().redactJson(in, &m);
        QVERIFY2(!out.contains("KIAIOSFODNN7EXAMPLE"), out.constData());
        QVERIFY2(!out.contains("MIIEowIBAAKCAQEA"), out.constData());
        QVERIFY2(!out.contains("abcdEFGH"), out.constData());
        QCOMPARE(m.countOf(QStringLiteral("aws_access_key")), 1);
        QCOMPARE(m.countOf(QStringLiteral("private_key")), 1);
        // Numbers keep their digits; the rest parses.
        QVERIFY(out.contains("\"n\":12345678901234567890}"));
        QCOMPARE(parse(out).value(QLatin1String("cmd")).toString(),
                 QStringLiteral("echo [REDACTED:aws_access_key]"));
    }

    void unchangedJsonIsCopiedByteForByte()
    {
        const QByteArray in =
            "{ \"a\" : [1, 2.50, -0e+3, true, null],\n \"b\": \"caf\\u00e9 "
            "\\ud83d\\ude00\", \"input_tokens\": 5, \"token_usage\": {\"total\": 9}}";
        RedactionManifest m;
        QCOMPARE(Redactor().redactJson(in, &m), in);
        QCOMPARE(m.total(), 0);
    }

    void changedStringsKeepTheirNeighboursAndEscapes()
    {
        const QByteArray in =
            "[\"\\ud800 lone\", \"tab\\t AKIAIOSFODNN7EXAMPLE \\\"q\\\" \\ud800\", 7]";
        const QByteArray out = Redactor().redactJson(in);
        QCOMPARE(out, QByteArray("[\"\\ud800 lone\", \"tab\\t [REDACTED:aws_access_key] \\\"q\\\" "
                                 "\\ud800\", 7]"));
    }

    void secretKeysRedactTheirValuesWhole()
    {
        const QByteArray in = "{\"tool_parameters\":{\"options\":{\"auth\":{\"Password\":\"pw 1\","
                              "\"retries\":3},\"client_secret\":[\"a\",{\"x\":\"b\"}],"
                              "\"api_token\":\"\",\"input_tokens\":\"12\"}}}";
        RedactionManifest m;
        m.setKeepFindings(true);
        const QByteArray out = Redactor().redactJson(in, &m);
        const QJsonObject o = parse(out)
                                  .value(QLatin1String("tool_parameters"))
                                  .toObject()
                                  .value(QLatin1String("options"))
                                  .toObject();
        QCOMPARE(o.value(QLatin1String("auth")).toObject().value(QLatin1String("Password")),
                 QJsonValue(QStringLiteral("[REDACTED:secret_field]")));
        QCOMPARE(o.value(QLatin1String("auth")).toObject().value(QLatin1String("retries")),
                 QJsonValue(3));
        const QJsonArray list = o.value(QLatin1String("client_secret")).toArray();
        QCOMPARE(list.at(0).toString(), QStringLiteral("[REDACTED:secret_field]"));
        QCOMPARE(list.at(1).toObject().value(QLatin1String("x")).toString(),
                 QStringLiteral("[REDACTED:secret_field]"));
        QCOMPARE(o.value(QLatin1String("api_token")).toString(), QString()); // nothing to hide
        QCOMPARE(o.value(QLatin1String("input_tokens")).toString(), QStringLiteral("12"));
        QCOMPARE(m.countOf(QStringLiteral("secret_field")), 3);
        QCOMPARE(m.findings().first().location,
                 QStringLiteral("$.tool_parameters.options.auth.Password"));
        QCOMPARE(m.findings().at(2).location,
                 QStringLiteral("$.tool_parameters.options.client_secret[1].x"));
    }

    void overlappingDetectorsCountOnce()
    {
        RedactionManifest m;
        const QString out = Redactor().redactText(
            u"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", &m);
        QCOMPARE(out, QStringLiteral("Authorization: Bearer [REDACTED:jwt]"));
        QCOMPARE(m.total(), 1);
        // Redacting again finds nothing new: labels are not secrets.
        RedactionManifest again;
        QCOMPARE(Redactor().redactText(out, &again), out);
        QCOMPARE(again.total(), 0);
    }

    void wrappedTokensAreCoveredWhole()
    {
        const QString key = QStringLiteral("sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEF");
        const QString text = key.left(32) + u'\n' + key.mid(32, 10) + u'\n' + key.mid(42) + u'\n';
        const QString out = Redactor().redactText(text);
        QVERIFY2(!out.contains(key.mid(32, 10)) && !out.contains(key.mid(42)), qPrintable(out));
    }

    void findingsNeverShowTheSecret()
    {
        RedactionManifest m;
        m.setKeepFindings(true);
        const QByteArray in = "{\"events\":[{\"data\":{\"command\":\"GITHUB_TOKEN=ghp_"
                              "0123456789abcdefghijABCDEFGHIJ012345 gh pr list\"}}]}";
        Redactor().redactJson(in, &m);
        QCOMPARE(m.findings().size(), 1);
        const RedactionManifest::Finding f = m.findings().first();
        QCOMPARE(f.rule, QStringLiteral("github_token"));
        QCOMPARE(f.location, QStringLiteral("$.events[0].data.command"));
        QCOMPARE(f.secretLength, 40);
        QVERIFY2(f.preview.contains(QStringLiteral("GITHUB_TOKEN=[REDACTED:github_token] gh")),
                 qPrintable(f.preview));
        QVERIFY(!f.preview.contains(QStringLiteral("0123456789abcdef")));
    }

    void userRules()
    {
        RedactionRule internal;
        internal.name = QStringLiteral("ticket_key");
        internal.pattern = QStringLiteral("TK-(?<secret>[0-9a-f]{8})");
        internal.replacement = QStringLiteral("<hidden>");
        RedactionRule keys;
        keys.name = QStringLiteral("customer");
        keys.keys = {QStringLiteral("ssn"), QStringLiteral("*_pin")};
        QVERIFY(internal.problem().isEmpty());
        QVERIFY(keys.problem().isEmpty());
        const Redactor r(RedactionRules::withUserRules({internal, keys}));
        RedactionManifest m;
        const QByteArray out = r.redactJson(
            "{\"note\":\"see TK-0badcafe\",\"SSN\":\"123-45-6789\",\"card_pin\":\"0000\","
            "\"k\":\"AKIAIOSFODNN7EXAMPLE\"}",
            &m);
        QCOMPARE(out, QByteArray("{\"note\":\"see TK-<hidden>\",\"SSN\":\"[REDACTED:customer]\","
                                 "\"card_pin\":\"[REDACTED:customer]\",\"k\":\"[REDACTED:aws_"
                                 "access_key]\"}"));
        QCOMPARE(m.countOf(QStringLiteral("ticket_key")), 1);
        QCOMPARE(m.countOf(QStringLiteral("customer")), 2);
    }

    void badUserRulesAreExplained_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("expected");
        QTest::newRow("does not compile") << "x"
                                          << "ab(c"
                                          << "does not compile at offset";
        QTest::newRow("matches empty") << "x"
                                       << "a*"
                                       << "matches empty text";
        QTest::newRow("nested quantifier") << "x"
                                           << "(a+)+b"
                                           << "exponential";
        QTest::newRow("nested in class-free group") << "x"
                                                    << "(?:\\w+\\s?)*x"
                                                    << "exponential";
        QTest::newRow("bad name") << "has space"
                                  << "abc"
                                  << "name must be";
        QTest::newRow("neither") << "x"
                                 << ""
                                 << "needs either a pattern or keys";
    }

    void badUserRulesAreExplained()
    {
        QFETCH(QString, name);
        QFETCH(QString, pattern);
        QFETCH(QString, expected);
        RedactionRule r;
        r.name = name;
        r.pattern = pattern;
        QVERIFY2(r.problem().contains(expected), qPrintable(r.problem()));
    }

    void safeRepetitionsAreAccepted()
    {
        for (const char* p : {"(?:[a-z]++\\.)+com", "(?>a+)+b", "(ab)+", "[(a+)]+", "x{2,5}"}) {
            RedactionRule r;
            r.name = QStringLiteral("ok");
            r.pattern = QLatin1String(p);
            QVERIFY2(r.problem().isEmpty(), p);
        }
    }

    void invalidJsonIsStillScanned()
    {
        const QByteArray in = "{\"a\": 1, AKIAIOSFODNN7EXAMPLE \"b\": \"unterminated ghp_"
                              "0123456789abcdefghijABCDEFGHIJ012345";
        const QByteArray out = Redactor().redactJson(in);
        QVERIFY2(!out.contains("IOSFODNN7EXAMPLE"), out.constData());
        QVERIFY2(!out.contains("0123456789abcdefghij"), out.constData());
    }

    void manifestJson()
    {
        RedactionManifest m;
        m.count(QStringLiteral("jwt"), 2);
        m.count(QStringLiteral("aws_access_key"));
        const QJsonObject j = m.toJson();
        QCOMPARE(j.value(QLatin1String("total")).toInteger(), 3);
        QCOMPARE(j.value(QLatin1String("rules")).toObject().value(QLatin1String("jwt")).toInteger(),
                 2);
        QCOMPARE(RedactionManifest::fromJson(j).counts(), m.counts());
    }

    void corpusRecordingHasNoNeedleLeft()
    {
        // Every payload of the secrets corpus, through redactJson as capture and export use it.
        QFile rec(QStringLiteral(EA_FIXTURES_DIR "/secrets/recording.jsonl"));
        QFile nf(QStringLiteral(EA_FIXTURES_DIR "/secrets/needles.txt"));
        QVERIFY(rec.open(QIODevice::ReadOnly) && nf.open(QIODevice::ReadOnly));
        const QList<QByteArray> needles = nf.readAll().trimmed().split('\n');
        const Redactor r;
        RedactionManifest m;
        for (const QByteArray& line : rec.readAll().trimmed().split('\n')) {
            const QByteArray out = r.redactJson(line, &m);
            QJsonParseError e{};
            QJsonDocument::fromJson(out, &e);
            QCOMPARE(e.error, QJsonParseError::NoError);
            for (const QByteArray& n : needles)
                QVERIFY2(!out.contains(n), (n + " in " + out).constData());
        }
        QVERIFY(m.total() >= needles.size() / 2);
    }
};

QTEST_GUILESS_MAIN(TestRedactor)
#include "tst_redactor.moc"
