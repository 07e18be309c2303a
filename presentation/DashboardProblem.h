// Words for why the dashboard cannot be reached, from the protocol client's reason text.
#pragma once

#include <QCoreApplication>
#include <QString>

#include <optional>

namespace ea {

// "Connecting…" alone leaves the user guessing: nothing listening, a wrong service on the
// port (it answers HTTP 404) and an unknown host need different fixes.
class DashboardProblem
{
    Q_DECLARE_TR_FUNCTIONS(DashboardProblem)
public:
    // server: "host:port"; reason: SocketIoClient's state-change reason, e.g. "transport
    // error: Connection refused; retrying in 4000 ms (attempt 3)"; retryInMs: time left until
    // the next attempt (negative: unknown). Empty when reason is empty.
    static QString describe(const QString& server, const QString& reason, qint64 retryInMs);

    // The delay in "...; retrying in N ms (attempt K)", if the reason has one.
    static std::optional<qint64> retryDelayMs(const QString& reason);
};

} // namespace ea
