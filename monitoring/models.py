# Target indicators, their values and quarterly reports live here.
