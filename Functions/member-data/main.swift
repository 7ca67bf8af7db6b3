import PuntosData
import PuntosRuntime

FunctionMain.run(MemberData())
