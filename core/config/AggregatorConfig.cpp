#include "config/AggregatorConfig.h"

#include <QDir>

namespace ea {

QString AggregatorConfig::resolvedActivityDirectory() const
{
    QString path = activityDirectory;
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    if (QDir::isAbsolutePath(path))
        return QDir::cleanPath(path);
    const QString base = projectDirectory.isEmpty() ? QDir::currentPath() : projectDirectory;
    return QDir::cleanPath(QDir(base).absoluteFilePath(path));
}

QStringList AggregatorConfig::defaultEvents()
{
    return {QStringLiteral("claude_event"),  QStringLiteral("mpm_event"),
            QStringLiteral("tool_event"),    QStringLiteral("hook_event"),
            QStringLiteral("session_event"), QStringLiteral("response_event"),
            QStringLiteral("agent_event"),   QStringLiteral("file_event"),
            QStringLiteral("system_event"),  QStringLiteral("history")};
}

} // namespace ea
