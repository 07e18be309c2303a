// Generated session documents (the saved layout) for the session database's tests and benchmark.
#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace ea::test {

// Session number n: a project of five, a branch of three, an agent of four, tools Bash, Read,
// Edit and Grep with durations 10 * (k + 1) ms, every seventh tool call failing, one token count
// per turn. Deterministic: the same n gives the same document.
inline QJsonObject generatedSession(int n, const QDateTime& start,
                                    const QString& status = QStringLiteral("completed"))
{
    static const char* const projects[] = {"api", "web", "infra", "docs", "mobile"};
    static const char* const branches[] = {"main", "feature/login", "fix/crash"};
    static const char* const agents[] = {"engineer", "qa", "research", "ops"};
    static const char* const tools[] = {"Bash", "Read", "Edit", "Grep"};
    const QString project = QLatin1String(projects[n % 5]);
    const QString root = QStringLiteral("/home/dev/") + project;
    const QString agent = QLatin1String(agents[n % 4]);
    const QString id = QStringLiteral("sess-%1-%2").arg(n, 6, 10, QLatin1Char('0')).arg(project);
    const int turns = 1 + n % 3;
    const int calls = 4 + n % 5;
    QJsonArray ops;
    int failures = 0;
    for (int k = 0; k < calls; ++k) {
        const QString tool = QLatin1String(tools[(n + k) % 4]);
        const bool failed = (n + k) % 7 == 0;
        failures += failed ? 1 : 0;
        QJsonObject input;
        if (tool == QLatin1String("Bash"))
            input.insert(QStringLiteral("command"),
                         QStringLiteral("pytest tests/test_%1.py -k case%2").arg(project).arg(k));
        else if (tool == QLatin1String("Grep"))
            input.insert(QStringLiteral("pattern"), QStringLiteral("def handler_%1").arg(k));
        else
            input.insert(QStringLiteral("file_path"),
                         QStringLiteral("%1/src/module_%2.py").arg(root).arg((n + k) % 50));
        const QDateTime t = start.addSecs(k * 5);
        ops.append(QJsonObject{
            {QStringLiteral("tool_name"), tool},
            {QStringLiteral("agent_type"), k % 2 ? agent : QStringLiteral("main")},
            {QStringLiteral("start_time"), t.toString(Qt::ISODateWithMs)},
            {QStringLiteral("end_time"), t.addMSecs(10 * (k + 1)).toString(Qt::ISODateWithMs)},
            {QStringLiteral("duration_ms"), 10 * (k + 1)},
            {QStringLiteral("success"), !failed},
            {QStringLiteral("result"),
             failed ? QStringLiteral("failure") : QStringLiteral("success")},
            {QStringLiteral("turn"), k % turns},
            {QStringLiteral("input_data"), input},
            {QStringLiteral("output_data"),
             QJsonObject{{QStringLiteral("output"), QStringLiteral("ok %1 lines").arg(k * 3)}}}});
    }
    QJsonArray turnList;
    for (int t = 0; t < turns; ++t)
        turnList.append(QJsonObject{
            {QStringLiteral("index"), t},
            {QStringLiteral("start_time"), start.addSecs(t * 20).toString(Qt::ISODateWithMs)},
            {QStringLiteral("duration_ms"), 15000 + t * 1000},
            {QStringLiteral("prompt"),
             QStringLiteral("turn %1 of session %2: refactor the %3 handler")
                 .arg(t)
                 .arg(n)
                 .arg(project)},
            {QStringLiteral("tool_calls"), calls / turns},
            {QStringLiteral("tool_failures"), 0},
            {QStringLiteral("token_usage"),
             QJsonObject{{QStringLiteral("total_tokens"), 1000 + n % 900}}}});
    const QJsonArray delegations{QJsonObject{
        {QStringLiteral("agent_type"), agent},
        {QStringLiteral("task_description"), QStringLiteral("check the %1 tests").arg(project)},
        {QStringLiteral("duration_ms"), 2000 + (n % 10) * 100},
        {QStringLiteral("success"), n % 11 != 0},
        {QStringLiteral("result"),
         n % 11 != 0 ? QStringLiteral("success") : QStringLiteral("failure")}}};
    const bool ended = status != QLatin1String("active");
    const qint64 durationMs = 60000 + (n % 60) * 1000;
    QJsonObject doc{
        {QStringLiteral("session_id"), id},
        {QStringLiteral("schema_version"), 1},
        {QStringLiteral("start_time"), start.toString(Qt::ISODateWithMs)},
        {QStringLiteral("status"), status},
        {QStringLiteral("completion_reason"), ended ? QStringLiteral("stop") : QString()},
        {QStringLiteral("working_directory"), root},
        {QStringLiteral("initial_prompt"),
         QStringLiteral("Fix the bug number %1 in %2").arg(n).arg(project)},
        {QStringLiteral("final_response"), QStringLiteral("Done with %1").arg(n)},
        {QStringLiteral("events"), QJsonArray()},
        {QStringLiteral("tool_operations"), ops},
        {QStringLiteral("delegations"), delegations},
        {QStringLiteral("turns"), turnList},
        {QStringLiteral("metadata"),
         QJsonObject{{QStringLiteral("project_root"), root},
                     {QStringLiteral("git_branch"), QLatin1String(branches[n % 3])}}},
        {QStringLiteral("metrics"),
         QJsonObject{
             {QStringLiteral("total_events"), calls * 2 + turns},
             {QStringLiteral("total_tool_calls"), calls},
             {QStringLiteral("total_delegations"), 1},
             {QStringLiteral("total_failures"), failures + (n % 11 == 0 ? 1 : 0)},
             {QStringLiteral("turns"), turns},
             {QStringLiteral("session_duration_ms"), ended ? QJsonValue(durationMs) : QJsonValue()},
             {QStringLiteral("token_usage"),
              QJsonObject{{QStringLiteral("total_tokens"), (1000 + n % 900) * turns}}}}}};
    if (ended)
        doc.insert(QStringLiteral("end_time"),
                   start.addMSecs(durationMs).toString(Qt::ISODateWithMs));
    return doc;
}

} // namespace ea::test
