#pragma once

#include <QLabel>

// A minimal main window shown until the session browser lands.
class PlaceholderWindow : public QLabel
{
    Q_OBJECT
public:
    explicit PlaceholderWindow(QWidget* parent = nullptr);
};
