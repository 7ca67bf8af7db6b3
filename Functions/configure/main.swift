import PuntosRuntime
import PuntosDomain
FunctionMain.run(Configure())
