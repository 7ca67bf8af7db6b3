import PuntosAlerts
import PuntosRuntime

FunctionMain.run(NotifyPriceDrop())
