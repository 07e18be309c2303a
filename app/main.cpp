#include <QApplication>

#include "PlaceholderWindow.h"

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    PlaceholderWindow w;
    w.show();
    return app.exec();
}
