import PuntosDomain
import PuntosRuntime

FunctionMain.run(Expire())
