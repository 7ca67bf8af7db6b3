import PuntosRuntime
import PuntosDomain
FunctionMain.run(Deliver())
