// One colour per event category, shared by the timeline and its legend.
#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

namespace ea {

class CategoryPalette
{
public:
    // Mid-saturation colours that read on light and dark window backgrounds alike.
    static QColor color(int category); // an EventCategory value
    static QColor colorForName(const QString& categoryName);
    // A small filled swatch for item decorations.
    static QIcon swatch(const QColor& color);
};

} // namespace ea
