import PuntosRuntime
import PuntosDomain
FunctionMain.run(Accrue())
