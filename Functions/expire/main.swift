import PuntosRuntime
import PuntosDomain
FunctionMain.run(Expire())
