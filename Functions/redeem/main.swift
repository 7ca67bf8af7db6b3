import PuntosRuntime
import PuntosDomain
FunctionMain.run(Redeem())
