import PuntosRuntime
import PuntosDomain
FunctionMain.run(Balance())
