// Checks the spans a collector decoded against the session files they came from: every
// settled turn a trace, every span's parent, times and attributes as the file says.
#pragma once

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>

namespace ea::test {

inline QList<QJsonObject> sessionDocuments(const QString& dir)
{
    QList<QJsonObject> out;
    for (const QString& name :
         QDir(dir).entryList({QStringLiteral("session_*.json")}, QDir::Files, QDir::Name)) {
        QFile f(dir + QLatin1Char('/') + name);
        if (f.open(QIODevice::ReadOnly))
            out.append(QJsonDocument::fromJson(f.readAll()).object());
    }
    return out;
}

inline QString nanosOf(const QJsonValue& iso)
{
    const QDateTime t = QDateTime::fromString(iso.toString(), Qt::ISODateWithMs);
    return t.isValid() ? QString::number(t.toMSecsSinceEpoch() * 1000000) : QString();
}

// The spans of every request, de-duplicated by (trace id, span id): a turn sent twice gives
// the same spans.
inline QList<QJsonObject> spansOf(const QList<QJsonObject>& requests)
{
    QList<QJsonObject> out;
    QSet<QString> seen;
    for (const QJsonObject& r : requests) {
        for (const QJsonValue& v : r.value(QLatin1String("spans")).toArray()) {
            const QJsonObject s = v.toObject();
            const QString key = s.value(QLatin1String("traceId")).toString() + QLatin1Char('/') +
                                s.value(QLatin1String("spanId")).toString();
            if (!seen.contains(key)) {
                seen.insert(key);
                out.append(s);
            }
        }
    }
    return out;
}

// Empty when the spans tell exactly what the sessions say; else the first problems.
inline QStringList compareSpans(const QList<QJsonObject>& sessions, const QList<QJsonObject>& spans)
{
    QStringList problems;
    const auto attr = [](const QJsonObject& s, const char* key) {
        return s.value(QLatin1String("attributes")).toObject().value(QLatin1String(key));
    };
    QHash<QString, QList<QJsonObject>> byTrace;
    for (const QJsonObject& s : spans)
        byTrace[s.value(QLatin1String("traceId")).toString()].append(s);
    int turnsSeen = 0;
    for (const QJsonObject& session : sessions) {
        const QString sid = session.value(QLatin1String("session_id")).toString();
        const QJsonArray ops = session.value(QLatin1String("tool_operations")).toArray();
        const QJsonArray delegations = session.value(QLatin1String("delegations")).toArray();
        for (const QJsonValue& tv : session.value(QLatin1String("turns")).toArray()) {
            const QJsonObject turn = tv.toObject();
            if (!turn.value(QLatin1String("end_time")).isString())
                continue;
            ++turnsSeen;
            const int index = turn.value(QLatin1String("index")).toInt();
            const QString where = QStringLiteral("session %1 turn %2").arg(sid.left(8)).arg(index);
            // The root: found by conversation id and turn index.
            QJsonObject root;
            QString traceId;
            for (auto it = byTrace.cbegin(); it != byTrace.cend(); ++it) {
                for (const QJsonObject& s : it.value()) {
                    if (s.value(QLatin1String("parentSpanId")).toString().isEmpty() &&
                        attr(s, "gen_ai.conversation.id").toString() == sid &&
                        attr(s, "claude_code.turn.index").toInt() == index) {
                        root = s;
                        traceId = it.key();
                    }
                }
            }
            if (root.isEmpty()) {
                problems << where + QStringLiteral(": no root span");
                continue;
            }
            const QList<QJsonObject> trace = byTrace.value(traceId);
            const QString rootId = root.value(QLatin1String("spanId")).toString();
            if (root.value(QLatin1String("start")).toString() !=
                    nanosOf(turn.value(QLatin1String("start_time"))) ||
                root.value(QLatin1String("end")).toString() !=
                    nanosOf(turn.value(QLatin1String("end_time"))))
                problems << where + QStringLiteral(": root times differ from the turn's");
            if (root.value(QLatin1String("name")).toString() !=
                    QLatin1String("invoke_agent claude-code") ||
                attr(root, "gen_ai.operation.name").toString() != QLatin1String("invoke_agent"))
                problems << where + QStringLiteral(": root is not invoke_agent");
            const QJsonObject tokens = turn.value(QLatin1String("token_usage")).toObject();
            const QList<QPair<const char*, const char*>> tokenKeys{
                {"gen_ai.usage.input_tokens", "input_tokens"},
                {"gen_ai.usage.output_tokens", "output_tokens"},
                {"gen_ai.usage.cache_read.input_tokens", "cache_read_input_tokens"},
                {"gen_ai.usage.cache_creation.input_tokens", "cache_creation_input_tokens"}};
            for (const auto& [otel, ours] : tokenKeys) {
                if (tokens.contains(QLatin1String(ours)) &&
                    attr(root, otel).toDouble() != tokens.value(QLatin1String(ours)).toDouble())
                    problems << where + QStringLiteral(": %1 differs").arg(QLatin1String(otel));
            }
            if (attr(root, "claude_code.prompt.preview").toString() !=
                turn.value(QLatin1String("prompt")).toString().left(200))
                problems << where + QStringLiteral(": prompt preview differs");
            // Delegations of the turn: children of the root (or of their parent delegation).
            QHash<int, QString> delegationSpan;
            int expectedSpans = 1;
            for (qsizetype i = 0; i < delegations.size(); ++i) {
                const QJsonObject d = delegations.at(i).toObject();
                if (d.value(QLatin1String("turn")).toInt(-1) != index)
                    continue;
                ++expectedSpans;
                const QString start = nanosOf(d.value(QLatin1String("start_time")));
                QJsonObject found;
                for (const QJsonObject& s : trace) {
                    if (attr(s, "gen_ai.operation.name").toString() ==
                            QLatin1String("invoke_agent") &&
                        !s.value(QLatin1String("parentSpanId")).toString().isEmpty() &&
                        attr(s, "gen_ai.agent.name").toString() ==
                            d.value(QLatin1String("agent_type")).toString() &&
                        s.value(QLatin1String("start")).toString() == start)
                        found = s;
                }
                if (found.isEmpty()) {
                    problems << where + QStringLiteral(": no span for delegation %1").arg(i);
                    continue;
                }
                delegationSpan.insert(int(i), found.value(QLatin1String("spanId")).toString());
                if (found.value(QLatin1String("name")).toString() !=
                    QStringLiteral("invoke_agent ") +
                        d.value(QLatin1String("agent_type")).toString())
                    problems << where + QStringLiteral(": delegation %1 misnamed").arg(i);
                if (attr(found, "claude_code.delegation.result").toString() !=
                    d.value(QLatin1String("result")).toString())
                    problems << where + QStringLiteral(": delegation %1 outcome differs").arg(i);
            }
            for (qsizetype i = 0; i < delegations.size(); ++i) {
                const QJsonObject d = delegations.at(i).toObject();
                if (!delegationSpan.contains(int(i)))
                    continue;
                const QJsonValue parent = d.value(QLatin1String("parent"));
                const QString want =
                    parent.isDouble() ? delegationSpan.value(parent.toInt()) : rootId;
                for (const QJsonObject& s : trace)
                    if (s.value(QLatin1String("spanId")).toString() ==
                            delegationSpan.value(int(i)) &&
                        s.value(QLatin1String("parentSpanId")).toString() != want)
                        problems << where + QStringLiteral(": delegation %1 has the wrong parent")
                                                .arg(i);
            }
            // Tool calls: under the agent that made them, with their outcome.
            for (const QJsonValue& ov : ops) {
                const QJsonObject op = ov.toObject();
                if (op.value(QLatin1String("turn")).toInt(-1) != index)
                    continue;
                ++expectedSpans;
                const QString name = op.value(QLatin1String("tool_name")).toString();
                const QString start = nanosOf(op.value(QLatin1String("start_time")));
                QJsonObject found;
                for (const QJsonObject& s : trace)
                    if (attr(s, "gen_ai.tool.name").toString() == name &&
                        s.value(QLatin1String("start")).toString() == start)
                        found = s;
                const QString what = where + QStringLiteral(": tool call %1").arg(name);
                if (found.isEmpty()) {
                    problems << what + QStringLiteral(" has no span");
                    continue;
                }
                if (found.value(QLatin1String("name")).toString() !=
                        QStringLiteral("execute_tool ") + name ||
                    attr(found, "gen_ai.operation.name").toString() !=
                        QLatin1String("execute_tool"))
                    problems << what + QStringLiteral(" misnamed");
                const QString callId = op.value(QLatin1String("correlation_id")).toString();
                if (!callId.isEmpty() && attr(found, "gen_ai.tool.call.id").toString() != callId)
                    problems << what + QStringLiteral(" lacks its call id");
                const QJsonValue d = op.value(QLatin1String("delegation"));
                const QString parent = d.isDouble() ? delegationSpan.value(d.toInt()) : rootId;
                if (found.value(QLatin1String("parentSpanId")).toString() != parent)
                    problems << what + QStringLiteral(" has the wrong parent");
                if (op.value(QLatin1String("end_time")).isString() &&
                    found.value(QLatin1String("end")).toString() !=
                        nanosOf(op.value(QLatin1String("end_time"))))
                    problems << what + QStringLiteral(" ends at another time");
                const QString result = op.value(QLatin1String("result")).toString();
                const int code = found.value(QLatin1String("status"))
                                     .toObject()
                                     .value(QLatin1String("code"))
                                     .toInt();
                if ((result == QLatin1String("failure")) != (code == 2) ||
                    (result == QLatin1String("failure") && attr(found, "error.type").isUndefined()))
                    problems << what + QStringLiteral(" status does not say %1").arg(result);
                if (attr(found, "claude_code.tool.result").toString() != result)
                    problems << what + QStringLiteral(" result attribute is not %1").arg(result);
            }
            if (trace.size() != expectedSpans)
                problems << where + QStringLiteral(": %1 spans, the file has %2")
                                        .arg(trace.size())
                                        .arg(expectedSpans);
            for (const QJsonObject& s : trace) {
                const QString parent = s.value(QLatin1String("parentSpanId")).toString();
                bool known = parent.isEmpty();
                for (const QJsonObject& o : trace)
                    known = known || o.value(QLatin1String("spanId")).toString() == parent;
                if (!known)
                    problems << where + QStringLiteral(": span %1 has a parent outside its trace")
                                            .arg(s.value(QLatin1String("name")).toString());
                if (s.value(QLatin1String("resource"))
                        .toObject()
                        .value(QLatin1String("service.name"))
                        .toString()
                        .isEmpty())
                    problems << where + QStringLiteral(": no service.name");
            }
        }
    }
    if (byTrace.size() != turnsSeen)
        problems
            << QStringLiteral("%1 traces for %2 settled turns").arg(byTrace.size()).arg(turnsSeen);
    return problems.mid(0, 10);
}

} // namespace ea::test
