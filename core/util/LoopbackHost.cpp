#include "util/LoopbackHost.h"

#include <QHostAddress>

namespace ea {

bool LoopbackHost::matches(const QString& host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    QString h = host;
    if (h.startsWith(QLatin1Char('[')) && h.endsWith(QLatin1Char(']')))
        h = h.mid(1, h.size() - 2);
    const QHostAddress addr(h);
    return !addr.isNull() && addr.isLoopback();
}

} // namespace ea
