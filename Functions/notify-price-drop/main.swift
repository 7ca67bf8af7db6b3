import PuntosRuntime
import PuntosDomain
FunctionMain.run(NotifyPriceDrop())
