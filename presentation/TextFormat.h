// Counts in English UI text ("1 event", "2 events") without a loaded translation.
#pragma once

#include <QLocale>
#include <QString>

namespace ea {

namespace TextFormat {
// Qt's %n plurals need a translator installed to drop the "(s)"; the UI ships in English.
inline QString count(qint64 n, const QString& singular, const QString& plural)
{
    return QStringLiteral("%1 %2").arg(QLocale().toString(n), n == 1 ? singular : plural);
}
} // namespace TextFormat

} // namespace ea
