import PuntosDomain
import PuntosRuntime

FunctionMain.run(NotifyPriceDrop())
