import PuntosDomain
import PuntosRuntime

FunctionMain.run(Deliver())
