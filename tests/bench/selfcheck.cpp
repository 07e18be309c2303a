// Differential self-check of the hot-path code the benchmark leans on, against the Qt code it
// stands in for. run.sh runs it before measuring; it is not a CTest test.
//
//   ea-bench-selfcheck [--mutations N] [FILE...]
//
// Inputs: payloads from benchmark streams (one payload per line), from recordings
// ({"name":..,"args":[payload]} per line) and random mutations of them (bytes that matter to
// JSON: quotes, escapes, surrogates, invalid UTF-8, odd numbers, duplicate keys, ...). Checks:
//  - JsonView::parse() accepts only what QJsonDocument::fromJson() accepts, and its canonical()
//    is byte for byte QJsonDocument::toJson(Compact); its QJsonValue-like accessors agree;
//  - JsonView::isValidArrayContent() implies QJsonDocument accepts '[' + text + ']';
//  - EventNormalizer::normalize() gives the same result with the fast path on and off;
//  - AgentSession built from the same events with the fast path on and off saves the same
//    document;
//  - the SHA-256 identities equal QCryptographicHash's.
// Prints a summary; exit status 1 on the first few mismatches (each printed).
#include "aggregation/AgentSession.h"
#include "ingest/EventNormalizer.h"
#include "json/JsonView.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QtEndian>

#include <cstdio>
#include <random>

using namespace ea;

namespace {

int g_failures = 0;
qint64 g_checks = 0;
qint64 g_qtAccepted = 0;   // inputs QJsonDocument accepts
qint64 g_viewAccepted = 0; // ... of which JsonView took the fast path

void fail(const char* what, const QByteArray& input, const QString& detail = {})
{
    ++g_failures;
    if (g_failures <= 20)
        std::fprintf(stderr, "MISMATCH %s: %s\n  input: %s\n", what, qPrintable(detail),
                     input.left(600).toPercentEncoding(" {}[]\":,._-/@+").constData());
}

bool sameValue(const JsonView& v, const JsonViewValue& a, const QJsonValue& b, QString* why)
{
    if (a.isString() != b.isString() || a.isDouble() != b.isDouble() || a.isBool() != b.isBool() ||
        a.isObject() != b.isObject() || a.isArray() != b.isArray() || a.isNull() != b.isNull() ||
        a.isUndefined() != b.isUndefined()) {
        *why = QStringLiteral("type differs");
        return false;
    }
    if (a.toString() != b.toString()) {
        *why = QStringLiteral("string %1 vs %2").arg(a.toString(), b.toString());
        return false;
    }
    const double da = a.toDouble(-7.25), db = b.toDouble(-7.25);
    if (!(da == db || (std::isnan(da) && std::isnan(db)))) {
        *why = QStringLiteral("double %1 vs %2").arg(da).arg(db);
        return false;
    }
    if (a.toInt(-7) != b.toInt(-7) || a.toBool(true) != b.toBool(true) ||
        a.toBool(false) != b.toBool(false)) {
        *why = QStringLiteral("int/bool differs");
        return false;
    }
    if (a.isObject()) {
        const QJsonObject o = b.toObject();
        const JsonViewObject vo = a.toObject();
        if (v.childCount(vo.node()) != o.size()) {
            *why = QStringLiteral("member count");
            return false;
        }
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QByteArray key = it.key().toLatin1();
            if (!sameValue(v, vo.value(QLatin1String(key)), it.value(), why)) {
                why->prepend(it.key() + QLatin1Char('.'));
                return false;
            }
        }
    }
    return true;
}

void checkJson(const QByteArray& input)
{
    ++g_checks;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(input, &pe);
    JsonView view;
    if (pe.error == QJsonParseError::NoError)
        ++g_qtAccepted;
    if (view.parse(input)) {
        ++g_viewAccepted;
        if (pe.error != QJsonParseError::NoError) {
            fail("JsonView accepted what Qt rejects", input, pe.errorString());
        } else {
            const QByteArray qt = doc.toJson(QJsonDocument::Compact);
            const QByteArray ours = view.canonical();
            if (qt != ours)
                fail("canonical form", input, QString::fromUtf8(qt + "\n  ours: " + ours));
            if (doc.isObject()) {
                QString why;
                if (!sameValue(view, JsonViewValue(&view, view.root()), QJsonValue(doc.object()),
                               &why))
                    fail("accessors", input, why);
            }
        }
    }
    if (JsonView::isValidArrayContent(input)) {
        QJsonParseError wpe;
        QJsonDocument::fromJson('[' + input + ']', &wpe);
        if (wpe.error != QJsonParseError::NoError)
            fail("isValidArrayContent accepted what Qt rejects", input, wpe.errorString());
    }
}

QString describe(const ClaudeEvent& e)
{
    return QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8|%9|%10|%11|%12|%13|%14")
        .arg(QString::fromUtf8(e.raw), e.eventName, e.sessionId, e.subtype, e.toolName,
             e.correlationId, e.agentType, e.filePath, e.workingDirectory)
        .arg(e.gitBranch)
        .arg(e.timestamp.toString(Qt::ISODateWithMs))
        .arg(e.identity)
        .arg(int(e.category))
        .arg(e.timestampFromReceipt);
}

QString describe(const NormalizeResult& r)
{
    QString s = QStringLiteral("kind=%1 error=%2 skipped=%3 msg=%4")
                    .arg(int(r.kind))
                    .arg(int(r.error))
                    .arg(r.skipped)
                    .arg(r.message);
    for (const ClaudeEvent& e : r.events)
        s += QStringLiteral("\n    ") + describe(e);
    return s;
}

void checkNormalize(const QString& name, const QByteArray& input, const QDateTime& at)
{
    ++g_checks;
    EventNormalizer::setFastPathEnabled(true);
    const NormalizeResult fast = EventNormalizer::normalize(name, input, at);
    EventNormalizer::setFastPathEnabled(false);
    const NormalizeResult slow = EventNormalizer::normalize(name, input, at);
    EventNormalizer::setFastPathEnabled(true);
    const QString a = describe(fast), b = describe(slow);
    if (a != b)
        fail("normalize fast vs slow", input, a + QStringLiteral("\n  slow: ") + b);
}

// oneSession: every event into one session (thousands of events: the chunked save path).
void checkSessions(const QList<QByteArray>& payloads, const QDateTime& at, bool oneSession = false)
{
    QString docs[2];
    for (int pass = 0; pass < 2; ++pass) {
        EventNormalizer::setFastPathEnabled(pass == 0);
        QHash<QString, AgentSession*> sessions;
        QStringList order;
        for (const QByteArray& p : payloads) {
            const NormalizeResult r =
                EventNormalizer::normalize(QStringLiteral("claude_event"), p, at);
            for (const ClaudeEvent& e : r.events) {
                const QString id = oneSession              ? QStringLiteral("all")
                                   : e.sessionId.isEmpty() ? QStringLiteral("-")
                                                           : e.sessionId;
                if (!sessions.contains(id)) {
                    sessions.insert(id, new AgentSession(id));
                    order.append(id);
                }
                sessions[id]->addEvent(e);
            }
        }
        for (const QString& id : order) {
            AgentSession* s = sessions.value(id);
            docs[pass] +=
                QString::fromUtf8(QJsonDocument(s->toJson()).toJson(QJsonDocument::Compact));
            s->setStatus(AgentSession::Status::Stopped, QStringLiteral("check"));
            docs[pass] +=
                QString::fromUtf8(QJsonDocument(s->toJson()).toJson(QJsonDocument::Compact));
            delete s;
        }
    }
    EventNormalizer::setFastPathEnabled(true);
    ++g_checks;
    if (docs[0] != docs[1]) {
        qsizetype i = 0;
        while (i < docs[0].size() && i < docs[1].size() && docs[0][i] == docs[1][i])
            ++i;
        fail("session documents fast vs slow", QByteArray(),
             QStringLiteral("first difference at %1:\n  fast: %2\n  slow: %3")
                 .arg(i)
                 .arg(docs[0].mid(qMax<qsizetype>(0, i - 200), 400),
                      docs[1].mid(qMax<qsizetype>(0, i - 200), 400)));
    }
}

void checkIdentity(std::mt19937_64& rng)
{
    for (int len = 0; len < 1500; ++len) {
        QByteArray data(len, Qt::Uninitialized);
        for (char& c : data)
            c = char(rng());
        const quint64 ours = EventNormalizer::identityOf(data);
        const QByteArray digest = QCryptographicHash::hash(data, QCryptographicHash::Sha256);
        ++g_checks;
        if (ours != qFromBigEndian<quint64>(digest.constData()))
            fail("identity", data.left(40), QStringLiteral("length %1").arg(len));
        const QDateTime t =
            QDateTime::fromMSecsSinceEpoch(qint64(rng() % 4000000000000ULL), Qt::UTC);
        const QByteArray withStamp = data + "\n@" + QByteArray::number(t.toMSecsSinceEpoch());
        const QByteArray d2 = QCryptographicHash::hash(withStamp, QCryptographicHash::Sha256);
        ++g_checks;
        if (EventNormalizer::identityOf(data, t) != qFromBigEndian<quint64>(d2.constData()))
            fail("identity with receipt time", data.left(40), QStringLiteral("length %1").arg(len));
    }
}

const char* const kSnippets[] = {"\\\"",
                                 "\\\\",
                                 "\\/",
                                 "\\b",
                                 "\\f",
                                 "\\n",
                                 "\\r",
                                 "\\t",
                                 "\\u00e9",
                                 "\\u0041",
                                 "\\u0001",
                                 "\\u001f",
                                 "\\u007f",
                                 "\\ud83d\\ude00",
                                 "\\ud800",
                                 "\\udc00",
                                 "\\ud800x",
                                 "\\q",
                                 "\\u12",
                                 "\xc3\xa9",
                                 "\xf0\x9f\x98\x80",
                                 "\xc0\xaf",
                                 "\xed\xa0\x80",
                                 "\xff",
                                 "\xe2\x82",
                                 "\x01",
                                 "\t",
                                 "\x7f",
                                 "1e400",
                                 "1e-400",
                                 "-0",
                                 "-0.0",
                                 "1.0",
                                 "0.1",
                                 "1e5",
                                 "1E+2",
                                 "2.5e-3",
                                 "123456789012345678901",
                                 "9223372036854775807",
                                 "9223372036854775808",
                                 "-",
                                 ".5",
                                 "1.",
                                 "01",
                                 "0x1",
                                 "[",
                                 "]",
                                 "{",
                                 "}",
                                 ",",
                                 ":",
                                 "\"",
                                 "null",
                                 "true",
                                 "false",
                                 "nul",
                                 " ",
                                 "\n",
                                 "\r",
                                 "{}",
                                 "[]",
                                 "\"a\":1,",
                                 "\"b\":[1,2],",
                                 "\"\":0,",
                                 "\"k\":{\"x\":\"y\"},",
                                 "\"session_id\":7,",
                                 "\"timestamp\":1785169805.12,",
                                 "\"timestamp\":\"bad\",",
                                 "\"timestamp\":1785169805120,",
                                 "\"data\":[],",
                                 "\"data\":\"x\",",
                                 "\"subtype\":\"PreToolUse\","};

QByteArray mutate(const QByteArray& in, std::mt19937_64& rng)
{
    QByteArray s = in;
    const int ops = 1 + int(rng() % 3);
    for (int k = 0; k < ops && !s.isEmpty(); ++k) {
        const qsizetype pos = qsizetype(rng() % quint64(s.size()));
        switch (rng() % 6) {
        case 0:
        case 1:
            s.insert(pos, kSnippets[rng() % (sizeof kSnippets / sizeof *kSnippets)]);
            break;
        case 2: {
            const QByteArray snip = kSnippets[rng() % (sizeof kSnippets / sizeof *kSnippets)];
            s.replace(pos, qMin<qsizetype>(snip.size(), s.size() - pos), snip);
            break;
        }
        case 3:
            s.remove(pos, qsizetype(1 + rng() % 4));
            break;
        case 4: {
            // Duplicate a member: copy `"key":` from somewhere to right after an opening brace.
            const qsizetype brace = s.indexOf('{', pos);
            const qsizetype q = s.indexOf("\":", pos);
            if (brace >= 0 && q > 0) {
                const qsizetype start = s.lastIndexOf('"', q - 1);
                if (start >= 0)
                    s.insert(brace + 1, s.mid(start, q + 2 - start) + "0,");
            }
            break;
        }
        default:
            s[pos] = char(rng());
            break;
        }
    }
    return s;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(
        QStringLiteral("*.debug=false\n*.info=false\n*.warning=false"));
    qint64 mutations = 200000;
    QStringList files;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--mutations") && i + 1 < args.size())
            mutations = args[++i].toLongLong();
        else
            files.append(args[i]);
    }
    QList<QPair<QString, QByteArray>> inputs; // event name, payload
    for (const QString& path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
            return 2;
        }
        qint64 lines = 0;
        while (!f.atEnd() && lines < 20000) {
            QByteArray line = f.readLine().trimmed();
            if (line.isEmpty())
                continue;
            ++lines;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o.contains(QLatin1String("name")) && o.value(QLatin1String("args")).isArray()) {
                // A recording: keep the payload, in two spellings.
                const QJsonValue p = o.value(QLatin1String("args")).toArray().at(0);
                const QByteArray a = QJsonDocument(QJsonArray{p}).toJson(QJsonDocument::Compact);
                inputs.append({o.value(QLatin1String("name")).toString(), a.mid(1, a.size() - 2)});
                const QByteArray b = QJsonDocument(QJsonArray{p}).toJson(QJsonDocument::Indented);
                const qsizetype open = b.indexOf('['), close = b.lastIndexOf(']');
                inputs.append(
                    {o.value(QLatin1String("name")).toString(), b.mid(open + 1, close - open - 1)});
            } else {
                inputs.append({QStringLiteral("claude_event"), line});
            }
        }
    }
    if (inputs.isEmpty()) {
        std::fprintf(stderr, "usage: ea-bench-selfcheck [--mutations N] FILE...\n");
        return 2;
    }
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(1785169805120, Qt::UTC);
    std::mt19937_64 rng(20260727);
    // Nesting around the normalizer's depth limit (32) and the view's own (512).
    for (const int depth : {30, 31, 32, 33, 34, 100, 511, 512, 513, 600}) {
        QByteArray deep = "{\"session_id\":\"s\",\"subtype\":\"pre_tool\",\"data\":";
        for (int i = 2; i < depth; ++i)
            deep += (i % 2) ? "[" : "{\"k\":";
        deep += "1";
        for (int i = depth - 1; i >= 2; --i)
            deep += (i % 2) ? "]" : "}";
        deep += "}";
        inputs.append({QStringLiteral("claude_event"), deep});
    }

    checkIdentity(rng);
    for (const auto& [name, payload] : inputs) {
        checkJson(payload);
        checkNormalize(name, payload, at);
    }
    for (qint64 i = 0; i < mutations; ++i) {
        const auto& [name, payload] = inputs[qsizetype(rng() % quint64(inputs.size()))];
        const QByteArray m = mutate(payload, rng);
        checkJson(m);
        checkNormalize(name, m, at);
        if (g_failures > 50)
            break;
    }
    // Sessions: the inputs as they come, and a mutated copy of them.
    QList<QByteArray> payloads;
    for (const auto& p : std::as_const(inputs))
        payloads.append(p.second);
    checkSessions(payloads, at);
    QList<QByteArray> mutated;
    for (const QByteArray& p : std::as_const(payloads))
        mutated.append(rng() % 4 == 0 ? mutate(p, rng) : p);
    checkSessions(mutated, at);
    checkSessions(payloads, at, true);
    // Times across the whole range the normalizer accepts (epoch seconds and milliseconds,
    // years 1970-9999), for the session writer's own ISO formatting.
    QList<QByteArray> timed;
    for (int i = 0; i < 3000; ++i) {
        const bool ms = rng() % 2;
        const quint64 value =
            ms ? 100000000000ULL + rng() % 253302300799999ULL : rng() % 99999999999ULL;
        timed.append("{\"session_id\":\"t\",\"subtype\":\"" +
                     QByteArray(i % 2 ? "pre_tool" : "post_tool") +
                     "\",\"timestamp\":" + QByteArray::number(value) +
                     ",\"data\":{\"tool_name\":\"Read\",\"tool_parameters\":{\"file_path\":\"/f" +
                     QByteArray::number(i) + "\"}}}");
    }
    checkSessions(timed, at);

    std::printf("{\"checks\":%lld,\"mismatches\":%d,\"json_valid\":%lld,\"json_fast_path\":%lld}\n",
                g_checks, g_failures, g_qtAccepted, g_viewAccepted);
    return g_failures ? 1 : 0;
}
