// The message box that shows a StartupProblem when the desktop application cannot start.
#pragma once

#include "StartupProblem.h"

#include <QMessageBox>

class StartupProblemDialog : public QMessageBox
{
    Q_OBJECT
public:
    explicit StartupProblemDialog(const StartupProblem& problem, QWidget* parent = nullptr);
};
