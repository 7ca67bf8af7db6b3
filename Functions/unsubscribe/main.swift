import PuntosDelivery
import PuntosRuntime

FunctionMain.run(Unsubscribe())
