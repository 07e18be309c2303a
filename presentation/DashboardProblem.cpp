#include "presentation/DashboardProblem.h"

#include <QRegularExpression>

namespace ea {

namespace {
const QRegularExpression& retryPattern()
{
    static const QRegularExpression re(
        QStringLiteral("; retrying in (\\d+) ms \\(attempt \\d+\\)$"));
    return re;
}
} // namespace

std::optional<qint64> DashboardProblem::retryDelayMs(const QString& reason)
{
    const QRegularExpressionMatch m = retryPattern().match(reason);
    if (!m.hasMatch())
        return std::nullopt;
    return m.captured(1).toLongLong();
}

QString DashboardProblem::describe(const QString& server, const QString& reason, qint64 retryInMs)
{
    if (reason.isEmpty())
        return {};
    QString cause = reason;
    cause.remove(retryPattern());
    cause.remove(QRegularExpression(QStringLiteral("^transport error: ")));
    cause.remove(QRegularExpression(QStringLiteral("^QWebSocketPrivate::\\w+: ")));

    static const QRegularExpression http(QStringLiteral("status code: (\\d{3})"));
    QString text;
    if (const QRegularExpressionMatch m = http.match(cause); m.hasMatch())
        text = tr("%1 answered HTTP %2: not a Socket.IO dashboard").arg(server, m.captured(1));
    else if (cause.contains(QLatin1String("refused"), Qt::CaseInsensitive))
        text = tr("Dashboard not reachable at %1: connection refused — is claude-mpm's monitor "
                  "running?")
                   .arg(server);
    else if (cause.contains(QLatin1String("not found"), Qt::CaseInsensitive))
        text = tr("Dashboard host of %1 not found").arg(server);
    else if (cause.contains(QLatin1String("timeout"), Qt::CaseInsensitive) ||
             cause.contains(QLatin1String("timed out"), Qt::CaseInsensitive))
        text = tr("The dashboard at %1 does not answer (%2)").arg(server, cause);
    else
        text = tr("Dashboard not reachable at %1: %2").arg(server, cause);

    if (retryInMs >= 0) {
        const qint64 seconds = (retryInMs + 999) / 1000;
        if (!text.endsWith(QLatin1Char('?')))
            text += QLatin1Char('.');
        text += seconds > 0 ? tr(" Retrying in %1 s").arg(seconds) : tr(" Retrying now…");
    }
    return text;
}

} // namespace ea
