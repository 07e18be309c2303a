#include "presentation/CategoryPalette.h"

#include "model/EventCategory.h"

#include <QHash>
#include <QPainter>
#include <QPixmap>

namespace ea {

QColor CategoryPalette::color(int category)
{
    switch (category) {
    case EventCategory::Prompt:
        return QColor(0x1e, 0x88, 0xe5);
    case EventCategory::Delegation:
        return QColor(0x8e, 0x24, 0xaa);
    case EventCategory::Tool:
        return QColor(0xef, 0x6c, 0x00);
    case EventCategory::File:
        return QColor(0x2e, 0x9d, 0x4a);
    case EventCategory::Todo:
        return QColor(0x00, 0x89, 0x7b);
    case EventCategory::Response:
        return QColor(0x39, 0x49, 0xab);
    case EventCategory::Memory:
        return QColor(0x8d, 0x6e, 0x63);
    default:
        return QColor(0x78, 0x78, 0x78);
    }
}

QColor CategoryPalette::colorForName(const QString& categoryName)
{
    const auto c = EventCategory::fromName(categoryName);
    return color(c ? int(*c) : int(EventCategory::Meta));
}

QIcon CategoryPalette::swatch(const QColor& color)
{
    // Built once per colour: the timeline asks for one per visible row on every repaint.
    static QHash<QRgb, QIcon> cache;
    const auto it = cache.constFind(color.rgb());
    if (it != cache.constEnd())
        return *it;
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(color.darker(140));
    p.setBrush(color);
    p.drawRoundedRect(QRectF(1.5, 1.5, 9, 9), 2.5, 2.5);
    p.end();
    const QIcon icon(pm);
    cache.insert(color.rgb(), icon);
    return icon;
}

} // namespace ea
