#include "PlaceholderWindow.h"

PlaceholderWindow::PlaceholderWindow(QWidget* parent) : QLabel(parent)
{
    setWindowTitle(tr("Event Aggregator"));
    setText(tr("Event Aggregator is running. Use --headless to capture without a window."));
    setMargin(24);
}
