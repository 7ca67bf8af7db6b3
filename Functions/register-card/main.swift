import PuntosRuntime
import PuntosDomain
FunctionMain.run(RegisterCard())
